import MailvaultCore

/// A history query with status-go's mailserver semantics.
///
/// Envelopes with `from <= sent <= to` are returned in ascending (sent, hash) order, filtered by
/// `topics` when it is not empty (the bloom is then ignored, as status-go does), else by `bloom`
/// when set, else not at all. A page holds at most `limit` envelopes and starts strictly after
/// `cursor`; with `maximumBytes` it also ends before its envelopes' encodings pass that many
/// bytes (its cursor then continues after the last one returned).
public struct StoreQuery: Hashable, Sendable {
    /// The most topics one query may carry (status-go's limit).
    public static let maximumTopics = 1000
    /// The page size when none is given.
    public static let defaultLimit = 100
    /// The largest page.
    public static let maximumLimit = 1000

    /// First sent time, inclusive.
    public var from: UInt32
    /// Last sent time, inclusive.
    public var to: UInt32
    /// Topics to match; empty means "no topic filter".
    public var topics: [Topic]
    /// A 64-byte topic bloom to match when `topics` is empty; `nil` or `Bloom.full` match all.
    public var bloom: Bloom?
    /// Page size, `1...maximumLimit`.
    public var limit: Int
    /// Where the previous page ended (exclusive).
    public var cursor: StoreCursor?
    /// A byte budget for a page of envelopes (`EnvelopeStore.query`): the page ends before the
    /// envelope that would take its encodings past it, and always holds at least one envelope.
    /// The store stops reading there, so a page never costs more memory than the budget plus
    /// one envelope. `nil`: no budget. Hashes-only pages ignore it.
    public var maximumBytes: Int?

    /// A query; call `validate()` (the store does) before trusting its fields.
    public init(from: UInt32 = 0, to: UInt32 = .max, topics: [Topic] = [], bloom: Bloom? = nil,
                limit: Int = StoreQuery.defaultLimit, cursor: StoreCursor? = nil, maximumBytes: Int? = nil) {
        self.maximumBytes = maximumBytes
        self.from = from
        self.to = to
        self.topics = topics
        self.bloom = bloom
        self.limit = limit
        self.cursor = cursor
    }

    /// A query from wire-level parts, each checked: a bloom must be 64 bytes, a cursor 36 bytes,
    /// `nil` limit means the default.
    public init(from: UInt32, to: UInt32, topics: [Topic], bloomBytes: [UInt8]?, limit: Int?,
                cursorBytes: [UInt8]?) throws(StoreError) {
        var bloom: Bloom?
        if let bloomBytes {
            guard let parsed = Bloom(bytes: bloomBytes) else { throw .invalidBloomLength(bloomBytes.count) }
            bloom = parsed
        }
        let cursor: StoreCursor?
        if let cursorBytes {
            cursor = try StoreCursor(bytes: cursorBytes)
        } else {
            cursor = nil
        }
        self.init(from: from, to: to, topics: topics, bloom: bloom, limit: limit ?? StoreQuery.defaultLimit,
                  cursor: cursor)
        try validate()
    }

    /// Checks the limits every query must respect.
    public func validate() throws(StoreError) {
        guard from <= to else { throw .invalidTimeRange(from: from, to: to) }
        guard topics.count <= StoreQuery.maximumTopics else { throw .tooManyTopics(topics.count) }
        guard (1...StoreQuery.maximumLimit).contains(limit) else { throw .invalidLimit(limit) }
        if let maximumBytes, maximumBytes < 1 {
            throw .invalidArgument("a page's byte budget must be positive, got \(maximumBytes)")
        }
    }

    /// The topic filter the query means: `nil` for "every envelope".
    var filter: TopicFilter {
        if !topics.isEmpty { return .topics(Set(topics)) }
        if let bloom, !bloom.isFull { return .bloom(bloom) }
        return .all
    }

    /// The first key a page may return and the last, both inclusive; `nil` when none can match.
    var keyRange: ClosedRange<StoreCursor>? {
        var lower = StoreCursor.first(sent: from)
        if let cursor, cursor >= lower {
            guard cursor.hash != StoreCursor.last(sent: cursor.sent).hash else {
                guard cursor.sent < UInt32.max else { return nil }
                lower = StoreCursor.first(sent: cursor.sent + 1)
                return lower.sent <= to ? lower...StoreCursor.last(sent: to) : nil
            }
            lower = cursor.successor
        }
        let upper = StoreCursor.last(sent: to)
        return lower <= upper ? lower...upper : nil
    }
}

/// Which envelopes a query keeps.
enum TopicFilter {
    case all
    case topics(Set<Topic>)
    case bloom(Bloom)
}

extension StoreCursor {
    /// The next key in order (the hash plus one); the caller excludes the all-ones hash.
    var successor: StoreCursor {
        var h = hash
        var carry = true
        (h.w3, carry) = h.w3.addingReportingOverflow(1)
        if carry { (h.w2, carry) = h.w2.addingReportingOverflow(1) }
        if carry { (h.w1, carry) = h.w1.addingReportingOverflow(1) }
        if carry { (h.w0, _) = h.w0.addingReportingOverflow(1) }
        return StoreCursor(sent: sent, hash: h)
    }
}
