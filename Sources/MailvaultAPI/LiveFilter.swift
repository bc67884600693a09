import MailvaultCore

/// Which envelopes a query or subscription wants, with the store's precedence: topics when any
/// are given (the bloom is then ignored), else the bloom, else everything.
public struct LiveFilter: Hashable, Sendable {
    /// Topics to match; empty means "use the bloom".
    public var topics: [Topic]
    /// A bloom filter to match when `topics` is empty; `nil` or full matches everything.
    public var bloom: Bloom?

    private let topicSet: Set<Topic>

    /// A filter on `topics` or, when empty, on `bloom`.
    public init(topics: [Topic] = [], bloom: Bloom? = nil) {
        self.topics = topics
        self.bloom = bloom
        topicSet = Set(topics)
    }

    /// Whether an envelope with this topic passes the filter.
    public func matches(_ topic: Topic) -> Bool {
        if !topicSet.isEmpty { return topicSet.contains(topic) }
        guard let bloom else { return true }
        return bloom.matches(topic.bloom)
    }

    /// The filter's kind, as metrics label it: `topics`, `bloom` or `all`.
    public var kind: String { LiveFilter.kind(topics: topics, bloom: bloom) }

    /// The kind of a query's filter, without building a filter (no topic set) for it.
    public static func kind(topics: [Topic], bloom: Bloom?) -> String {
        if !topics.isEmpty { return "topics" }
        if let bloom, !bloom.isFull { return "bloom" }
        return "all"
    }
}
