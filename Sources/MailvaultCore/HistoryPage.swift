/// One page of a history query's answer: entries in ascending key order and where the next page
/// starts. A hashes-only page carries no envelopes; an envelopes page carries every one.
public struct HistoryPage: Sendable {
    /// The entries, ascending by key.
    public var entries: [HistoryEntry]
    /// The cursor to pass for the next page; `nil` when the query is complete.
    public var next: EnvelopeKey?

    /// A page of entries.
    @inlinable
    public init(entries: [HistoryEntry], next: EnvelopeKey?) {
        self.entries = entries
        self.next = next
    }

    /// The entries' keys, in order.
    public var keys: [EnvelopeKey] { entries.map(\.key) }

    /// The entries' envelopes, in order (empty on a hashes-only page).
    public var envelopes: [Envelope] { entries.compactMap(\.envelope) }
}

/// One envelope of a history page: its key and topic, and the envelope itself unless the page is
/// hashes-only.
public struct HistoryEntry: Hashable, Sendable {
    /// The envelope's key (sent time and hash; the hash read from the index, not recomputed).
    public var key: EnvelopeKey
    /// The envelope's topic.
    public var topic: Topic
    /// The envelope, `nil` on a hashes-only page.
    public var envelope: Envelope?

    /// The envelope's sent time.
    public var sent: UInt32 { key.sent }
    /// The envelope's hash.
    public var hash: Hash256 { key.hash }

    /// An entry; `envelope`, when given, must have this key and topic.
    @inlinable
    public init(key: EnvelopeKey, topic: Topic, envelope: Envelope? = nil) {
        self.key = key
        self.topic = topic
        self.envelope = envelope
    }
}
