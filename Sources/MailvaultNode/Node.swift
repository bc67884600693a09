import Foundation
import Logging
import MailvaultAccountability
import MailvaultCore
import MailvaultStore
import ServiceLifecycle

/// A Mailvault node without any network framework: an archive, the rules envelopes must pass to
/// enter it, the signed history query, and the provider's accountable state. Edges (the HTTP
/// server, the CLI, peers) decode their input, call the node and encode what it returns.
///
/// The node's background loops (`services`) run in the caller's service group.
public final class Node: Sendable {
    /// What the node was told.
    public let configuration: NodeConfiguration
    /// Where envelopes are kept.
    public let archive: any Archive
    /// The provider's key, coverage, descriptor and checkpoints.
    public let provider: ProviderState
    /// Signs receipts, batched.
    public let receipts: ReceiptSigner
    /// Clients' envelopes in: the live rules (clock checks) of `configuration`.
    public let ingest: IngestPipeline
    /// Signed history pages out.
    public let history: History
    /// The node's clock, in Unix seconds.
    public let clock: @Sendable () -> UInt32
    let logger: Logger

    /// A node over `archive`.
    ///
    /// - Parameters:
    ///   - limits: the request limits the edges enforce, published in the signed descriptor.
    ///   - observers: told of every ingested batch (metrics, live push).
    ///   - signingSlot: the receipt signer's batching slot for the calling thread.
    ///   - batchSizes: told the size of every receipt batch signed.
    public init(configuration: NodeConfiguration, archive: any Archive, limits: ProviderDescriptor.Limits, logger: Logger,
                clock: @escaping @Sendable () -> UInt32 = Node.systemClock,
                observers: [any IngestObserver] = [],
                signingSlot: @escaping @Sendable () -> ReceiptSigner.Slot = { .task },
                batchSizes: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.configuration = configuration
        self.archive = archive
        self.logger = logger
        self.clock = clock
        if configuration.providerKey == nil {
            logger.warning("no provider key configured: signing with a key made for this run only")
        }
        let provider = ProviderState(configuration: configuration, key: configuration.providerKey ?? ProviderKey.generate(),
                                     limits: limits, now: clock(), logger: logger)
        self.provider = provider
        receipts = ReceiptSigner(key: provider.key, locate: signingSlot, batchSizes: batchSizes)
        ingest = IngestPipeline(archive: archive, policy: configuration.ingestPolicy, mode: .live,
                                observers: [CoverageObserver(provider: provider)] + observers)
        history = History(archive: archive, provider: provider, receipts: receipts,
                          maximumPageBytes: configuration.maximumPageBytes)
    }

    /// The node's background loops: retention sweeps (each reported to `onSweep`) and signed
    /// checkpoints. Run them in the same service group as the edges.
    public func services(onSweep: @escaping @Sendable (SweepReport) -> Void = { _ in }) -> [any Service] {
        [RetentionSweeper(node: self, onSweep: onSweep), CheckpointRecorder(node: self)]
    }

    /// Unix seconds from the system clock.
    public static let systemClock: @Sendable () -> UInt32 = { UInt32(clamping: Int(Date().timeIntervalSince1970)) }
}

/// Notes the time of every batch that stored something, for the coverage the node vouches for.
struct CoverageObserver: IngestObserver {
    let provider: ProviderState

    func observe(_ report: IngestReport, now: UInt32) {
        if !report.stored.isEmpty { provider.ingested(at: now) }
    }
}
