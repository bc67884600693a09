import MailvaultCore
import MailvaultStore

/// What a provider signs for every history or hashes page it serves: the query as it understood
/// it, what it returned (count, first and last key, a commitment to the ordered list of keys),
/// where the next page starts, and the coverage it vouches for.
///
/// The commitment is a hash chain over the returned keys (`ReceiptCommitment`): a verifier holding
/// the page's key list recomputes it in one pass. A Merkle root would also allow proving that one
/// key is in a page without the rest, but proving that a key is *missing* needs the whole list
/// either way, and the chain is simpler to check in any language.
public struct QueryReceipt: Codable, Sendable, Equatable {
    /// The query's parameters after defaults were applied.
    public struct Query: Codable, Sendable, Equatable {
        public var from: UInt32
        public var to: UInt32
        public var topics: [String]
        public var bloom: String?
        public var limit: Int
        public var cursor: String?
    }

    /// Format version of this document.
    public var version = 1
    /// `envelopes` or `hashes`: which endpoint answered.
    public var endpoint: String
    /// The provider's address.
    public var provider: String
    /// keccak256 of the signed descriptor in force when the page was served.
    public var descriptor: String
    /// The server's clock when it answered (Unix seconds).
    public var serverTime: UInt32
    public var query: Query
    /// Envelopes in the page.
    public var count: Int
    /// Keys (36-byte `sent ++ hash`, hex) of the first and last envelope; `nil` on an empty page.
    public var first: String?
    public var last: String?
    /// `ReceiptCommitment` over the page's keys, in order.
    public var commitment: String
    /// Where the next page starts; `nil` when the query is complete.
    public var next: String?
    /// What the provider vouches to hold.
    public var coverage: Coverage

    /// The receipt for a page of `keys` answering `query`.
    public init(endpoint: String, provider: ProviderAddress, descriptor: Hash256, serverTime: UInt32,
                query: StoreQuery, keys: [StoreCursor], next: StoreCursor?, coverage: Coverage) {
        self.endpoint = endpoint
        self.provider = provider.description
        self.descriptor = descriptor.description
        self.serverTime = serverTime
        self.query = Query(from: query.from, to: query.to, topics: query.topics.map(\.description),
                           bloom: query.topics.isEmpty ? query.bloom.map(\.description) : nil,
                           limit: query.limit, cursor: query.cursor?.description)
        count = keys.count
        first = keys.first?.description
        last = keys.last?.description
        commitment = ReceiptCommitment.chain(keys).description
        self.next = next?.description
        self.coverage = coverage
    }
}

extension QueryReceipt {
    /// The receipt as the JSON document a provider signs: the same fields and sorted keys as
    /// `SignedDocument.encode` writes, built directly because a server signs one per page.
    public var document: [UInt8] {
        func string(_ text: String?) -> String { text.map { "\"\($0)\"" } ?? "null" }
        func optional(_ name: String, _ text: String?) -> String { text.map { "\"\(name)\":\"\($0)\"," } ?? "" }
        var coverageText = "{\"from\":\(coverage.from),\"gaps\":[\(coverage.gaps.map { "[\($0.map(String.init).joined(separator: ","))]" }.joined(separator: ","))]"
        coverageText += ",\"maximumAge\":\(coverage.maximumAge)"
        if let size = coverage.maximumEnvelopeSize { coverageText += ",\"maximumEnvelopeSize\":\(size)" }
        coverageText += ",\"minimumPoW\":\(coverage.minimumPoW.isFinite ? "\(coverage.minimumPoW)" : "0")"
        if let newest = coverage.newestIngest { coverageText += ",\"newestIngest\":\(newest)" }
        coverageText += "}"
        var queryText = "{"
        queryText += optional("bloom", query.bloom) + optional("cursor", query.cursor)
        queryText += "\"from\":\(query.from),\"limit\":\(query.limit),\"to\":\(query.to),"
        queryText += "\"topics\":[\(query.topics.map { "\"\($0)\"" }.joined(separator: ","))]}"
        var text = "{\"commitment\":\(string(commitment)),\"count\":\(count),\"coverage\":\(coverageText),"
        text += "\"descriptor\":\(string(descriptor)),\"endpoint\":\(string(endpoint)),"
        text += optional("first", first) + optional("last", last) + optional("next", next)
        text += "\"provider\":\(string(provider)),\"query\":\(queryText),\"serverTime\":\(serverTime),\"version\":\(version)}"
        return Array(text.utf8)
    }
}

/// What a provider vouches to hold: every envelope it accepted whose sent time is at or after
/// `from`, younger than its retention (`maximumAge`, longer for PoW tiers), at or above
/// `minimumPoW`, outside the `gaps` (intervals when the node was down, recorded by the node).
public struct Coverage: Codable, Sendable, Equatable {
    /// The oldest sent time covered.
    public var from: UInt32
    /// Retention: envelopes older than this (seconds, by sent time) may have been deleted.
    public var maximumAge: UInt32
    /// The node's minimum PoW: envelopes below it were never accepted.
    public var minimumPoW: Double
    /// The newest ingest the node made (Unix seconds), if any.
    public var newestIngest: UInt32?
    /// Closed intervals of sent times the node may have missed (downtime).
    public var gaps: [[UInt32]]
    /// The largest envelope (20 + data bytes) the node accepts; larger ones were never stored.
    public var maximumEnvelopeSize: Int?

    public init(from: UInt32, maximumAge: UInt32, minimumPoW: Double, newestIngest: UInt32?, gaps: [[UInt32]],
                maximumEnvelopeSize: Int? = nil) {
        self.from = from
        self.maximumAge = maximumAge
        self.minimumPoW = minimumPoW
        self.newestIngest = newestIngest
        self.gaps = gaps
        self.maximumEnvelopeSize = maximumEnvelopeSize
    }

    /// Whether an envelope sent at `sent` is covered at `time`.
    public func covers(sent: UInt32, at time: UInt32) -> Bool {
        guard sent >= from else { return false }
        if UInt64(sent) + UInt64(maximumAge) < UInt64(time) { return false }
        return !gaps.contains { $0.count == 2 && $0[0] <= sent && sent <= $0[1] }
    }
}

/// The commitment to an ordered list of keys: `c₀ = keccak256("mailvault/v1/receipt-chain")`,
/// `cᵢ = keccak256(cᵢ₋₁ ++ keyᵢ)` with each key the 36 bytes `BE32(sent) ++ hash`.
public enum ReceiptCommitment {
    /// The chain over `keys`, in order.
    public static func chain(_ keys: [StoreCursor]) -> Hash256 {
        var link = Keccak256.hash(Array("mailvault/v1/receipt-chain".utf8))
        // Each step hashes 68 bytes (the previous link and a key) from one stack buffer: a page
        // of a thousand keys costs a thousand permutations and no allocation.
        var words = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt32(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        for key in keys {
            words = (link.w0.bigEndian, link.w1.bigEndian, link.w2.bigEndian, link.w3.bigEndian, key.sent.bigEndian,
                     key.hash.w0.bigEndian, key.hash.w1.bigEndian, key.hash.w2.bigEndian, key.hash.w3.bigEndian)
            link = withUnsafeBytes(of: &words) { raw in
                var hasher = Keccak256()
                hasher.update(UnsafeRawBufferPointer(rebasing: raw[0..<32]))
                hasher.update(UnsafeRawBufferPointer(rebasing: raw[32..<36]))
                hasher.update(UnsafeRawBufferPointer(rebasing: raw[40..<72]))
                return hasher.finalize()
            }
        }
        return link
    }
}
