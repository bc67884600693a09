import MailvaultCore
import MailvaultNode
import MailvaultStore

/// The local side of federation: the archive to keep complete, the rules envelopes from peers
/// must pass, and the window of sent times it keeps.
public struct Replica: Sendable {
    /// The archive.
    public let archive: any Archive
    /// Peers' envelopes in: archive mode (no clock checks), the node's policy, the node's
    /// observers (metrics, live push, announcements, coverage).
    public let ingest: IngestPipeline
    /// The longest age the archive keeps any envelope for (the policy's or a tier's), seconds.
    public let retention: UInt32
    /// Unix seconds.
    public let clock: @Sendable () -> UInt32
    /// The provider's state, whose gaps reconciliation heals (none for `mailvault sync`).
    public let provider: ProviderState?

    /// The replica a running node keeps.
    public init(node: Node) {
        archive = node.archive
        ingest = IngestPipeline(archive: node.archive, policy: node.ingest.policy, mode: .archive,
                                observers: node.ingest.observers)
        retention = node.provider.checkpointRetention
        clock = node.clock
        provider = node.provider
    }

    /// A replica of a bare archive (`mailvault sync --data-dir`).
    public init(archive: any Archive, policy: IngestPolicy, retention: RetentionPolicy,
                clock: @escaping @Sendable () -> UInt32 = Node.systemClock) {
        self.archive = archive
        ingest = IngestPipeline(archive: archive, policy: policy, mode: .archive)
        self.retention = retention.tiers.map(\.maximumAge).reduce(retention.maximumAge, max)
        self.clock = clock
        provider = nil
    }

    /// The oldest sent time kept at `now`.
    func windowStart(now: UInt32) -> UInt32 {
        now > retention ? now - retention : 0
    }

    /// Whether an envelope sent at `sent` belongs here at `now`: inside the retention window and
    /// no later than a client could have posted it (the live rules' allowance).
    func admits(sent: UInt32, now: UInt32) -> Bool {
        sent >= windowStart(now: now) && UInt64(sent) <= UInt64(now) + UInt64(IngestPolicy.syncAllowance)
    }
}
