import MailvaultCore

/// What a sync fetches: envelopes sent in `from...to` (inclusive) on `topics` (all topics when
/// empty).
public struct SyncScope: Sendable, Equatable {
    /// The first sent time, inclusive.
    public var from: UInt32
    /// The last sent time, inclusive.
    public var to: UInt32
    /// The topics; empty means every topic.
    public var topics: [Topic]

    /// A scope; `from <= to` is the caller's to keep (`HistorySync.Configuration.validate()`).
    public init(from: UInt32, to: UInt32, topics: [Topic]) {
        self.from = from
        self.to = to
        self.topics = topics
    }

    /// The name of the topic set, under which the high-water key is kept: the topics sorted and
    /// comma-separated, or `*` for all topics.
    public var topicSet: String {
        topics.isEmpty ? "*" : topics.map(\.description).sorted().joined(separator: ",")
    }

    /// Whether an envelope's sent time and topic fall inside the scope.
    public func contains(sent: UInt32, topic: Topic) -> Bool {
        from <= sent && sent <= to && (topics.isEmpty || topics.contains(topic))
    }
}
