import MailvaultAPI
import MailvaultCore

/// What a provider signs for every history or hashes page it serves: the query as it understood
/// it, what it returned (count, first and last key, a commitment to the ordered list of keys),
/// where the next page starts, and the coverage it vouches for.
///
/// The commitment is one keccak256 over the returned keys (`ReceiptCommitment`): a verifier
/// holding the page's key list recomputes it in one pass. A Merkle root would also allow proving
/// that one key is in a page without the rest, but proving that a key is *missing* needs the
/// whole list either way, and one hash is the simplest to check in any language.
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

    /// Format version of this document: 2 (version 1 committed with a hash chain; verifiers
    /// still accept it).
    public var version = QueryReceipt.currentVersion
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
                query: HistoryQuery, keys: [EnvelopeKey], next: EnvelopeKey?, coverage: Coverage) {
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
        commitment = ReceiptCommitment.keys(keys).description
        self.next = next?.description
        self.coverage = coverage
    }
}

extension QueryReceipt {
    /// The version this build writes.
    public static let currentVersion = 2

    /// Whether this receipt commits to exactly `keys`, in order (by its version's rule), with
    /// matching count and first and last key.
    public func commits(to keys: [EnvelopeKey]) -> Bool {
        guard let commitment = ReceiptCommitment.commitment(keys, version: version) else { return false }
        return commitment.description == self.commitment && keys.count == count
            && keys.first?.description == first && keys.last?.description == last
    }

    /// The JSON document a provider signs for a page: the fields and sorted keys that
    /// `SignedDocument.encode` writes for `QueryReceipt(endpoint:…)` with the same arguments,
    /// written straight into bytes because a server signs one per page.
    public static func document(endpoint: String, provider: ProviderAddress, descriptor: Hash256, serverTime: UInt32,
                                query: HistoryQuery, keys: [EnvelopeKey], next: EnvelopeKey?,
                                coverage: Coverage) -> [UInt8] {
        var out = JSONBuffer(capacity: 900 + 12 * query.topics.count + 24 * coverage.gaps.count)
        out.raw("{\"commitment\":")
        ReceiptCommitment.keys(keys).withBytes { out.hex($0) }
        out.raw(",\"count\":")
        out.number(keys.count)
        out.raw(",\"coverage\":{\"from\":")
        out.number(coverage.from)
        out.raw(",\"gaps\":[")
        for (index, gap) in coverage.gaps.enumerated() {
            out.raw(index == 0 ? "[" : ",[")
            for (position, bound) in gap.enumerated() {
                if position > 0 { out.raw(",") }
                out.number(bound)
            }
            out.raw("]")
        }
        out.raw("],\"maximumAge\":")
        out.number(coverage.maximumAge)
        if let size = coverage.maximumEnvelopeSize {
            out.raw(",\"maximumEnvelopeSize\":")
            out.number(size)
        }
        out.raw(",\"minimumPoW\":")
        out.number(coverage.minimumPoW.isFinite ? coverage.minimumPoW : 0)
        if let newest = coverage.newestIngest {
            out.raw(",\"newestIngest\":")
            out.number(newest)
        }
        out.raw("},\"descriptor\":")
        descriptor.withBytes { out.hex($0) }
        out.raw(",\"endpoint\":")
        out.string(endpoint)
        if let first = keys.first {
            out.raw(",\"first\":")
            first.withBytes { out.hex($0) }
        }
        if let last = keys.last {
            out.raw(",\"last\":")
            last.withBytes { out.hex($0) }
        }
        if let next {
            out.raw(",\"next\":")
            next.withBytes { out.hex($0) }
        }
        out.raw(",\"provider\":")
        out.hex(provider.bytes)
        out.raw(",\"query\":{")
        if query.topics.isEmpty, let bloom = query.bloom {
            out.raw("\"bloom\":")
            out.hex(bloom.bytes)
            out.raw(",")
        }
        if let cursor = query.cursor {
            out.raw("\"cursor\":")
            cursor.withBytes { out.hex($0) }
            out.raw(",")
        }
        out.raw("\"from\":")
        out.number(query.from)
        out.raw(",\"limit\":")
        out.number(query.limit)
        out.raw(",\"to\":")
        out.number(query.to)
        out.raw(",\"topics\":[")
        for (index, topic) in query.topics.enumerated() {
            if index > 0 { out.raw(",") }
            out.hex(topic.bytes)
        }
        out.raw("]},\"serverTime\":")
        out.number(serverTime)
        out.raw(",\"version\":")
        out.number(QueryReceipt.currentVersion)
        out.raw("}")
        return out.bytes
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

/// The commitment to an ordered list of keys, each the 36 bytes `BE32(sent) ++ hash`.
///
/// Version 2 (written now): `keccak256("mailvault/v1/receipt-keys" ++ 0x00 ++ key₁ ++ … ++ keyₙ)`.
/// Version 1: the chain `c₀ = keccak256("mailvault/v1/receipt-chain")`, `cᵢ = keccak256(cᵢ₋₁ ++ keyᵢ)`,
/// which cost one permutation per key where version 2 costs one per 3.8 keys.
public enum ReceiptCommitment {
    /// The commitment of a receipt of `version` (1 or 2); `nil` for an unknown version.
    public static func commitment(_ keys: [EnvelopeKey], version: Int) -> Hash256? {
        switch version {
        case 1: chain(keys)
        case 2: self.keys(keys)
        default: nil
        }
    }

    /// Version 2: one hash over the domain and the keys.
    public static func keys(_ keys: [EnvelopeKey]) -> Hash256 {
        let domain = Array("mailvault/v1/receipt-keys\u{0}".utf8)
        // The whole preimage in one buffer, so that whole blocks go to the kernel at once.
        let count = domain.count + EnvelopeKey.byteCount * keys.count
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.copyBytes(from: domain)
            var offset = domain.count
            for key in keys {
                raw.storeBytes(of: key.sent.bigEndian, toByteOffset: offset, as: UInt32.self)
                raw.storeBytes(of: key.hash.w0.bigEndian, toByteOffset: offset + 4, as: UInt64.self)
                raw.storeBytes(of: key.hash.w1.bigEndian, toByteOffset: offset + 12, as: UInt64.self)
                raw.storeBytes(of: key.hash.w2.bigEndian, toByteOffset: offset + 20, as: UInt64.self)
                raw.storeBytes(of: key.hash.w3.bigEndian, toByteOffset: offset + 28, as: UInt64.self)
                offset += EnvelopeKey.byteCount
            }
            initialized = count
        }.withUnsafeBytes { Keccak256.hash($0) }
    }

    /// Version 1: the hash chain over `keys`, in order.
    public static func chain(_ keys: [EnvelopeKey]) -> Hash256 {
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
