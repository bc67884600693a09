import MailvaultCore

/// The API's answers read back by a client: the other direction of `APIResponseBody`.
///
/// Every answer is decoded by the same JSON decoder as request bodies (`JSONErrors`), into typed
/// values, with each field checked (hex lengths, key order is the caller's to check). A failure
/// is an `APIError` naming the field at fault, so a client can say exactly what a provider sent
/// wrong. Unknown fields are ignored here (a newer server may add some), unlike in requests.
public enum AnswerBody {
    /// A history page as `GET /v1/hashes` writes it: entries without envelopes, the next cursor,
    /// and the signed receipt when the server sent one.
    public static func hashes(_ body: [UInt8]) throws(APIError) -> (page: HistoryPage, receipt: SignedDocumentBody?) {
        // The exact form a Mailvault server writes, read without the general decoder.
        if let answer = CanonicalHashesAnswer.read(body) { return answer }
        let decoded = try JSONErrors.decode(HashesBody.self, from: body)
        return (HistoryPage(entries: decoded.hashes.map(\.entry), next: decoded.cursor?.key), decoded.receipt)
    }

    /// A history page as `GET /v1/envelopes` writes it in JSON: each envelope rebuilt from its
    /// fields and checked against the hash the server gave.
    public static func envelopes(_ body: [UInt8]) throws(APIError) -> (page: HistoryPage, receipt: SignedDocumentBody?) {
        let decoded = try JSONErrors.decode(EnvelopesBody.self, from: body)
        return (HistoryPage(entries: decoded.envelopes.map(\.entry), next: decoded.cursor?.key), decoded.receipt)
    }

    /// The signed documents of `GET /v1/checkpoints`, in order.
    public static func checkpoints(_ body: [UInt8]) throws(APIError) -> [SignedDocumentBody] {
        try JSONErrors.decode(CheckpointsBody.self, from: body).checkpoints
    }

    /// One signed document (`GET /v1/provider`, or a receipt on its own).
    public static func signedDocument(_ body: [UInt8]) throws(APIError) -> SignedDocumentBody {
        try JSONErrors.decode(SignedDocumentBody.self, from: body)
    }

    /// The signed descriptors of `GET /v1/providers` (the directory), in order, at most
    /// `maximumDirectoryEntries`: the caller verifies each one.
    public static func directory(_ body: [UInt8]) throws(APIError) -> [SignedDocumentBody] {
        let decoded = try JSONErrors.decode(DirectoryBody.self, from: body)
        guard decoded.providers.count <= maximumDirectoryEntries else {
            throw .malformedBody("a directory lists at most \(maximumDirectoryEntries) providers, got \(decoded.providers.count)",
                                 field: "providers")
        }
        return decoded.providers
    }

    /// The most entries a directory answer may list (a node keeps 512 by default).
    public static let maximumDirectoryEntries = 4096

    private struct DirectoryBody: Decodable {
        var providers: [SignedDocumentBody]
    }

    private struct HashesBody: Decodable {
        var hashes: [HashItem]
        var cursor: CursorText?
        var receipt: SignedDocumentBody?
    }

    private struct EnvelopesBody: Decodable {
        var envelopes: [EnvelopeItem]
        var cursor: CursorText?
        var receipt: SignedDocumentBody?
    }

    private struct CheckpointsBody: Decodable {
        var checkpoints: [SignedDocumentBody]
    }

    private struct HashItem: Decodable {
        var entry: HistoryEntry

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: JSONKey.self)
            let sent = try JSONErrors.field(UInt32.self, "sent", in: container)
            let hash = try AnswerBody.hash(in: container)
            let topic = try AnswerBody.topic(in: container)
            entry = HistoryEntry(key: EnvelopeKey(sent: sent, hash: hash), topic: topic)
        }
    }

    private struct EnvelopeItem: Decodable {
        var entry: HistoryEntry

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: JSONKey.self)
            let hash = try AnswerBody.hash(in: container)
            let topic = try AnswerBody.topic(in: container)
            let dataPath = JSONErrors.path(container.codingPath + [JSONKey("data")])
            let data = try JSONErrors.hex(try JSONErrors.field(String.self, "data", in: container), field: dataPath)
            let envelope = Envelope(expiry: try JSONErrors.field(UInt32.self, "expiry", in: container),
                                    ttl: try JSONErrors.field(UInt32.self, "ttl", in: container), topic: topic, data: data,
                                    nonce: try JSONErrors.field(UInt64.self, "nonce", in: container))
            guard envelope.hash == hash else {
                throw APIError.malformedBody("the envelope's fields hash to \(envelope.hash), not to its hash \(hash)",
                                             field: JSONErrors.path(container.codingPath + [JSONKey("hash")]))
            }
            entry = HistoryEntry(key: EnvelopeKey(sent: envelope.sentTime, hash: hash), topic: topic, envelope: envelope)
        }
    }

    /// A cursor field: 36 bytes of hex, or null.
    private struct CursorText: Decodable {
        var key: EnvelopeKey

        init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            do {
                key = try EnvelopeKey(hex: text)
            } catch {
                throw APIError.malformedBody("cursor: \(error)", field: "cursor")
            }
        }
    }

    private static func hash(in container: KeyedDecodingContainer<JSONKey>) throws -> Hash256 {
        let path = JSONErrors.path(container.codingPath + [JSONKey("hash")])
        let bytes = try JSONErrors.hex(try JSONErrors.field(String.self, "hash", in: container), field: path)
        guard let hash = Hash256(bytes: bytes) else { throw APIError.malformedBody("a hash is 32 bytes, got \(bytes.count)", field: path) }
        return hash
    }

    private static func topic(in container: KeyedDecodingContainer<JSONKey>) throws -> Topic {
        let path = JSONErrors.path(container.codingPath + [JSONKey("topic")])
        let bytes = try JSONErrors.hex(try JSONErrors.field(String.self, "topic", in: container), field: path)
        guard let topic = Topic(bytes: bytes) else { throw APIError.malformedBody("a topic is 4 bytes, got \(bytes.count)", field: path) }
        return topic
    }
}

/// A signed document as the API writes it (`{"document","kind","path"?,"signature","signer"}`),
/// its fields as text: MailvaultAccountability turns it into a `SignedDocument` and checks the
/// signature.
public struct SignedDocumentBody: Decodable, Sendable, Equatable {
    /// One step of a batch signature's Merkle path: which side the sibling is on, and its hash.
    public struct Step: Sendable, Equatable {
        /// `left` or `right`.
        public var side: String
        /// The sibling's hash as hex.
        public var hash: String

        /// A step.
        public init(side: String, hash: String) {
            self.side = side
            self.hash = hash
        }
    }

    /// The document's kind (`descriptor`, `receipt`, `checkpoint`).
    public var kind: String
    /// The document, the exact JSON text that was signed.
    public var document: String
    /// The signature, 65 bytes of hex.
    public var signature: String
    /// The signer's address, 20 bytes of hex.
    public var signer: String
    /// The batch path; empty when the document was signed alone.
    public var path: [Step]

    /// The most steps a path may have (a batch of 2^64 documents).
    public static let maximumPathSteps = 64

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: JSONKey.self)
        kind = try JSONErrors.field(String.self, "kind", in: container)
        document = try JSONErrors.field(String.self, "document", in: container)
        signature = try JSONErrors.field(String.self, "signature", in: container)
        signer = try JSONErrors.field(String.self, "signer", in: container)
        let steps = try container.decodeIfPresent([[String: String]].self, forKey: JSONKey("path")) ?? []
        let field = JSONErrors.path(container.codingPath + [JSONKey("path")])
        guard steps.count <= SignedDocumentBody.maximumPathSteps else {
            throw APIError.malformedBody("a path has at most \(SignedDocumentBody.maximumPathSteps) steps", field: field)
        }
        path = try steps.map { step in
            guard step.count == 1, let (side, hash) = step.first, side == "left" || side == "right" else {
                throw APIError.malformedBody("a path step is {\"left\":\"0x…\"} or {\"right\":\"0x…\"}", field: field)
            }
            return Step(side: side, hash: hash)
        }
    }
}
