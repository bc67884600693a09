import MailvaultCore

/// What a hashes-only query returns per envelope: enough to cross-check a provider cheaply.
public struct HashEntry: Hashable, Sendable {
    /// The envelope's sent time.
    public var sent: UInt32
    /// The envelope's hash.
    public var hash: Hash256
    /// The envelope's topic.
    public var topic: Topic

    /// An entry for the envelope with this sent time, hash and topic.
    public init(sent: UInt32, hash: Hash256, topic: Topic) {
        self.sent = sent
        self.hash = hash
        self.topic = topic
    }
}
