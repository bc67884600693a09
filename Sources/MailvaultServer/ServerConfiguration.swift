import Foundation
import MailvaultAccountability
import MailvaultCore
import MailvaultFederation
import MailvaultNode

/// Everything `mailvault serve` can be told, with the defaults an operator gets when they say
/// nothing: the HTTP edge's own settings here, the node's in `node` (each of which can also be
/// read and set as if it were the server's own, `configuration.minimumPoW`).
@dynamicMemberLookup
public struct ServerConfiguration: Sendable {
    /// The node behind the server: archive, rules, identity, schedule.
    public var node = NodeConfiguration()
    /// Its peers and how it keeps complete with them (Docs/Sync.md).
    public var federation = FederationConfiguration()
    /// The address to listen on (default loopback only: exposing a node is a decision).
    public var host = "127.0.0.1"
    /// The TCP port; 0 asks the system for a free one.
    public var port = 8080
    /// The largest request body accepted; larger bodies get 413.
    public var maximumBodyBytes = 8 << 20
    /// The most envelopes one POST may carry.
    public var maximumBatch = 1000
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

    /// The defaults.
    public init() {}

    /// A setting of the node, read and written as if it were the server's.
    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<NodeConfiguration, Value>) -> Value {
        get { node[keyPath: keyPath] }
        set { node[keyPath: keyPath] = newValue }
    }

    /// The limits the descriptor publishes.
    var publishedLimits: ProviderDescriptor.Limits {
        ProviderDescriptor.Limits(maximumPageSize: HistoryQuery.maximumLimit, maximumTopics: HistoryQuery.maximumTopics,
                                  maximumBatch: maximumBatch, maximumBodyBytes: maximumBodyBytes,
                                  ingestRate: ingestRate.perSecond, ingestBurst: ingestRate.burst,
                                  queryRate: queryRate.perSecond, queryBurst: queryRate.burst,
                                  maximumConcurrentQueries: maximumConcurrentQueries)
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
