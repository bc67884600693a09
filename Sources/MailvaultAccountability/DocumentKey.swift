/// Any member name of a JSON object, so that a strict decoder can see every key the object has
/// and refuse the ones it does not know.
struct DocumentKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) {
        stringValue = name
    }

    init?(stringValue: String) {
        self.stringValue = stringValue
    }

    init?(intValue: Int) {
        nil
    }

    /// The container's keys, refused unless each is one of `known`.
    static func container(_ decoder: any Decoder, known: Set<String>, what: String) throws -> KeyedDecodingContainer<DocumentKey> {
        let container = try decoder.container(keyedBy: DocumentKey.self)
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "\(what): unknown field '\(unknown.prefix(64))'"))
        }
        return container
    }

    /// A refusal at `decoder`'s position, in words.
    static func refuse(_ decoder: any Decoder, _ reason: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: reason))
    }
}
