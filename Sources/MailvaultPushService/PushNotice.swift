import MailvaultCore
import MailvaultNode
import Synchronization

/// What a notification tells about a stored envelope: never its payload, only where to find it.
public struct PushNotice: Sendable, Equatable {
    /// The envelope's topic.
    public var topic: Topic
    /// Its hash (its identity in every store).
    public var hash: Hash256
    /// Its sent time (Expiry - TTL).
    public var sent: UInt32

    /// A notice.
    public init(topic: Topic, hash: Hash256, sent: UInt32) {
        self.topic = topic
        self.hash = hash
        self.sent = sent
    }
}

/// Hands the ingest pipeline's newly stored envelopes to the push service without ever blocking
/// ingest: `observe` copies (topic, hash, sent) into a bounded buffer under a short lock and
/// returns; when the buffer is full the notices are dropped and counted (the push service is
/// behind; ingest is not held back for it). The push service drains the buffer every 50 ms.
public final class PushQueue: IngestObserver, Sendable {
    /// The most notices held for the push service.
    public let capacity: Int
    private let buffer: Mutex<(notices: [PushNotice], dropped: Int)>

    /// A queue of at most `capacity` notices.
    public init(capacity: Int = 65_536) {
        self.capacity = capacity
        buffer = Mutex(([], 0))
    }

    public func observe(_ report: IngestReport, now: UInt32) {
        guard !report.stored.isEmpty else { return }
        buffer.withLock { buffer in
            for stored in report.stored {
                guard buffer.notices.count < capacity else {
                    buffer.dropped += 1
                    continue
                }
                let envelope = stored.envelope
                buffer.notices.append(PushNotice(topic: envelope.topic, hash: stored.hash, sent: envelope.expiry &- envelope.ttl))
            }
        }
    }

    /// Everything queued, and how many notices were dropped since the last drain.
    public func drain() -> (notices: [PushNotice], dropped: Int) {
        buffer.withLock { buffer in
            defer { buffer = ([], 0) }
            return buffer
        }
    }
}
