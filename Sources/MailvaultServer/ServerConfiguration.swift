import Foundation
import MailvaultAccountability
import MailvaultCore
import MailvaultStore

/// Everything `mailvault serve` can be told, with the defaults an operator gets when they say
/// nothing.
public struct ServerConfiguration: Sendable {
    /// The address to listen on (default loopback only: exposing a node is a decision).
    public var host = "127.0.0.1"
    /// The TCP port; 0 asks the system for a free one.
    public var port = 8080
    /// The archive's directory.
    public var dataDirectory = "./mailvault-data"
    /// The smallest PoW a posted envelope may carry (status-go's mailservers ran with 0.000002).
    public var minimumPoW = IngestPolicy.statusMinimumPoW
    /// The largest envelope (20 + data bytes) a client may post; at most 10 MiB.
    public var maximumEnvelopeSize = IngestPolicy.defaultMaximumSize
    /// The store's retention (maximum age, PoW tiers, size cap) and zstd level.
    public var store = StoreConfiguration()
    /// Seconds between retention sweeps.
    public var sweepInterval: UInt32 = 300
    /// The largest request body accepted; larger bodies get 413.
    public var maximumBodyBytes = 8 << 20
    /// The most envelopes one POST may carry.
    public var maximumBatch = 1000
    /// The most bytes of envelopes one history page carries; a page that would exceed it ends
    /// early and its cursor continues from there.
    public var maximumPageBytes = 32 << 20
    /// Per-client budget for ingest requests (`POST /v1/envelopes`).
    public var ingestRate = RateLimit(perSecond: 20, burst: 40)
    /// Per-client budget for reads (queries, lookups, presence, subscriptions).
    public var queryRate = RateLimit(perSecond: 200, burst: 400)
    /// Reads served at once; more get 503 with `Retry-After`.
    public var maximumConcurrentQueries = 64
    /// Open live subscriptions allowed at once.
    public var maximumSubscribers = 1000
    /// Open live subscriptions one client may hold.
    public var maximumSubscribersPerClient = 10
    /// Events buffered per subscriber; a subscriber that falls this far behind is dropped.
    public var subscriberBuffer = 256
    /// Seconds between keep-alive comments on idle subscriptions.
    public var keepAliveInterval: UInt32 = 15
    /// SwiftNIO event-loop threads. `mailvault serve` makes them Swift's global executor
    /// (`MailvaultServer.adoptEventLoopsAsGlobalExecutor`), so request handlers run on the loop
    /// that read the request: one per core then (Docs/Benchmarks.md has the figures). A server
    /// embedded without that runs its handlers on Swift's thread pool and its I/O on these loops.
    public var eventLoopThreads = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Take the client's address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    public var trustForwardedFor = false
    /// The provider's identity, which signs the descriptor, receipts and checkpoints. When `nil`
    /// the server makes a key for this run only (its receipts then name a throwaway identity).
    public var providerKey: ProviderKey?
    /// The URLs clients reach this node at, published in the descriptor.
    public var endpoints: [String] = []
    /// Seconds between signed checkpoints (which also mark the node alive).
    public var checkpointInterval: UInt32 = 300
    /// Seconds a signed descriptor is valid.
    public var descriptorLifetime: UInt32 = 3600
    /// Figures of the operator's last `mailvault bench`, published in the descriptor.
    public var benchmark: [String: Double]?
    /// Test-only fault: envelopes of this topic are left out of every answer (still signed), to
    /// show that audits catch a provider that withholds messages.
    public var faultDropTopic: Topic?

    /// The defaults.
    public init() {}

    /// The live ingest rules this configuration implies.
    public var ingestPolicy: IngestPolicy {
        IngestPolicy(minimumPoW: minimumPoW, maximumSize: maximumEnvelopeSize)
    }
}

/// A token bucket's parameters: `perSecond` tokens refill each second up to `burst`. A rate of 0
/// turns the limit off.
public struct RateLimit: Hashable, Sendable {
    /// Requests per second allowed on average.
    public var perSecond: Double
    /// Requests allowed at once after a quiet period.
    public var burst: Double

    /// A limit; `perSecond` 0 means unlimited.
    public init(perSecond: Double, burst: Double) {
        self.perSecond = perSecond
        self.burst = max(burst, 1)
    }

    /// Whether the limit applies at all.
    public var isEnabled: Bool { perSecond > 0 }
}
