import MailvaultAccountability
import MailvaultCore
import MailvaultStore

/// What a node is told, whatever edge it serves through: its archive, its rules, its identity
/// and its schedule. Transport settings (addresses, request limits) belong to the edges.
public struct NodeConfiguration: Sendable {
    /// The archive's directory; the provider's state files live beside the database.
    public var dataDirectory = "./mailvault-data"
    /// The smallest PoW a posted envelope may carry (status-go's mailservers ran with 0.000002).
    public var minimumPoW = IngestPolicy.statusMinimumPoW
    /// The largest envelope (20 + data bytes) a client may post; at most 10 MiB.
    public var maximumEnvelopeSize = IngestPolicy.defaultMaximumSize
    /// The store's retention (maximum age, PoW tiers, size cap) and zstd level.
    public var store = StoreConfiguration()
    /// Seconds between retention sweeps.
    public var sweepInterval: UInt32 = 300
    /// The most bytes of envelopes one history page carries; a page that would exceed it ends
    /// early and its cursor continues from there.
    public var maximumPageBytes = 32 << 20
    /// The provider's identity, which signs the descriptor, receipts and checkpoints. When `nil`
    /// the node makes a key for this run only (its receipts then name a throwaway identity).
    public var providerKey: ProviderKey?
    /// The URLs clients reach this node at, published in the descriptor.
    public var endpoints: [String] = []
    /// Seconds between signed checkpoints (which also mark the node alive).
    public var checkpointInterval: UInt32 = 300
    /// A downtime longer than `checkpointInterval` plus this many seconds is recorded as a
    /// coverage gap at the next start.
    public var gapSlack: UInt32 = 60
    /// Seconds a signed descriptor is valid.
    public var descriptorLifetime: UInt32 = 3600
    /// Figures of the operator's last `mailvault bench`, published in the descriptor.
    public var benchmark: [String: Double]?
    /// The push-notification offer the descriptor publishes (`push`); `nil` when the node serves
    /// no push. The push service's edge sets it from the same settings it serves by.
    public var pushOffer: PushOffer?

    /// The defaults.
    public init() {}

    /// The live ingest rules this configuration implies.
    public var ingestPolicy: IngestPolicy {
        IngestPolicy(minimumPoW: minimumPoW, maximumSize: maximumEnvelopeSize)
    }
}
