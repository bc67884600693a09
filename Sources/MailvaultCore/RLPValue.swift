/// A decoded RLP tree: byte strings and lists, owning copies of their bytes.
///
/// For tools, tests and formats of unknown shape. Hot paths use `RLP.split` and friends, which
/// copy nothing.
public indirect enum RLPValue: Hashable, Sendable {
    case bytes([UInt8])
    case list([RLPValue])

    /// How deep lists may nest before decoding refuses (keeps recursion off the stack's edge).
    public static let maximumDepth = 1024

    /// Strictly decodes exactly one value; bytes after it are `trailingBytes`.
    public init(decoding input: [UInt8]) throws(RLPError) {
        let (value, rest) = try RLPValue.decodeOne(input[...], depth: 0)
        guard rest.isEmpty else { throw .trailingBytes }
        self = value
    }

    private static func decodeOne(
        _ input: ArraySlice<UInt8>, depth: Int
    ) throws(RLPError) -> (RLPValue, ArraySlice<UInt8>) {
        let (kind, content, rest) = try RLP.split(input)
        switch kind {
        case .string:
            return (.bytes(Array(content)), rest)
        case .list:
            guard depth < maximumDepth else { throw .nestingTooDeep }
            var items: [RLPValue] = []
            var remaining = content
            while !remaining.isEmpty {
                let (item, next) = try decodeOne(remaining, depth: depth + 1)
                items.append(item)
                remaining = next
            }
            return (.list(items), rest)
        }
    }

    /// The canonical encoding.
    public var encoded: [UInt8] {
        var writer = RLPWriter()
        write(to: &writer)
        return writer.bytes
    }

    private func write(to writer: inout RLPWriter) {
        switch self {
        case .bytes(let bytes):
            writer.append(string: bytes)
        case .list(let items):
            writer.appendList { inner in
                for item in items { item.write(to: &inner) }
            }
        }
    }
}
