/// A history query with status-go's mailserver semantics.
///
/// Envelopes with `from <= sent <= to` are returned in ascending (sent, hash) order, filtered by
/// `topics` when it is not empty (the bloom is then ignored, as status-go does), else by `bloom`
/// when set, else not at all. A page holds at most `limit` envelopes and starts strictly after
/// `cursor`; with `maximumBytes` it also ends before its envelopes' encodings pass that many
/// bytes (its cursor then continues after the last one returned).
///
/// `validate()` is the one place the limits are checked; every parser and the store call it.
public struct HistoryQuery: Hashable, Sendable {
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
    /// The key of the last envelope of the previous page (exclusive).
    public var cursor: EnvelopeKey?
    /// A byte budget for a page of envelopes: the page ends before the envelope that would take
    /// its encodings past it, and always holds at least one envelope. The store stops reading
    /// there, so a page never costs more memory than the budget plus one envelope. `nil`: no
    /// budget. Hashes-only pages ignore it.
    public var maximumBytes: Int?

    /// A query; call `validate()` before trusting its fields.
    public init(from: UInt32 = 0, to: UInt32 = .max, topics: [Topic] = [], bloom: Bloom? = nil,
                limit: Int = HistoryQuery.defaultLimit, cursor: EnvelopeKey? = nil, maximumBytes: Int? = nil) {
        self.from = from
        self.to = to
        self.topics = topics
        self.bloom = bloom
        self.limit = limit
        self.cursor = cursor
        self.maximumBytes = maximumBytes
    }

    /// Checks the limits every query must respect.
    public func validate() throws(QueryError) {
        guard from <= to else { throw .invalidTimeRange(from: from, to: to) }
        guard topics.count <= HistoryQuery.maximumTopics else { throw .tooManyTopics(topics.count) }
        guard (1...HistoryQuery.maximumLimit).contains(limit) else { throw .invalidLimit(limit) }
        if let maximumBytes, maximumBytes < 1 { throw .invalidByteBudget(maximumBytes) }
    }

    /// Which envelopes the query keeps, whatever their time.
    public var filter: TopicFilter {
        if !topics.isEmpty { return .topics(Set(topics)) }
        if let bloom, !bloom.isFull { return .bloom(bloom) }
        return .all
    }

    /// The first key a page may return and the last, both inclusive; `nil` when none can match.
    public var keyRange: ClosedRange<EnvelopeKey>? {
        var lower = EnvelopeKey.first(sent: from)
        if let cursor, cursor >= lower {
            guard let next = cursor.successor else { return nil }
            lower = next
        }
        let upper = EnvelopeKey.last(sent: to)
        return lower <= upper ? lower...upper : nil
    }
}

/// Which envelopes a query keeps.
public enum TopicFilter: Sendable {
    /// Every envelope.
    case all
    /// Envelopes with one of these topics.
    case topics(Set<Topic>)
    /// Envelopes whose topic's bloom the filter accepts.
    case bloom(Bloom)

    /// Whether an envelope with `topic` passes.
    public func matches(_ topic: Topic) -> Bool {
        switch self {
        case .all: true
        case .topics(let topics): topics.contains(topic)
        case .bloom(let bloom): bloom.matches(topic.bloom)
        }
    }
}
