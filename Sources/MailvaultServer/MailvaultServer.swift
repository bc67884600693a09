import Foundation
import Hummingbird
import Logging
import MailvaultAccountability
import MailvaultAPI
import MailvaultCore
import MailvaultStore
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The HTTP API over an `EnvelopeStore` (Docs/API.md): thin on purpose — it parses, applies
/// limits, counts, streams, and leaves every envelope decision to MailvaultCore and MailvaultStore.
///
/// Run it as a `Service` (it is one): graceful shutdown stops accepting connections, ends live
/// subscriptions, lets in-flight requests (and so their durable writes) finish, and returns.
/// The caller closes the store afterwards.
public final class MailvaultServer: Service, Sendable {
    /// The configuration in force.
    public let configuration: ServerConfiguration
    let store: EnvelopeStore
    let logger: Logger
    let metrics = ServerMetrics()
    let hub: SubscriptionHub
    let ingestLimiter: RateLimiter
    let queryLimiter: RateLimiter
    let gate: QueryGate
    let policy: IngestPolicy
    let provider: ProviderState
    let receipts: ReceiptSigner
    let clock: @Sendable () -> UInt32
    private let onListening: @Sendable (Int) async -> Void

    /// A server over `store`.
    ///
    /// - Parameters:
    ///   - clock: the node's clock in Unix seconds (the ingest rules and default `to` use it).
    ///   - onListening: called with the bound port once the server accepts connections.
    public init(configuration: ServerConfiguration, store: EnvelopeStore, logger: Logger,
                clock: @escaping @Sendable () -> UInt32 = { UInt32(clamping: Int(Date().timeIntervalSince1970)) },
                onListening: @escaping @Sendable (Int) async -> Void = { _ in }) {
        self.configuration = configuration
        self.store = store
        self.logger = logger
        self.clock = clock
        self.onListening = onListening
        hub = SubscriptionHub(capacity: configuration.maximumSubscribers,
                              perClient: configuration.maximumSubscribersPerClient,
                              bufferSize: configuration.subscriberBuffer, metrics: metrics)
        ingestLimiter = RateLimiter(limit: configuration.ingestRate)
        queryLimiter = RateLimiter(limit: configuration.queryRate)
        gate = QueryGate(capacity: configuration.maximumConcurrentQueries)
        policy = configuration.ingestPolicy
        if configuration.providerKey == nil {
            logger.warning("no provider key configured: signing with a key made for this run only")
        }
        provider = ProviderState(configuration: configuration, key: configuration.providerKey ?? ProviderKey.generate(),
                                 now: clock(), logger: logger)
        receipts = ReceiptSigner(key: provider.key, batchSizes: { [metrics] in metrics.receiptBatch.record($0) })
    }

    /// Serves until graceful shutdown (or cancellation).
    public func run() async throws {
        let router = Router(context: ServerContext.self)
        router.middlewares.add(RequestMiddleware(server: self))
        EnvelopeRoutes(server: self).register(on: router)
        let port = configuration.port
        let onListening = onListening
        let logger = logger
        let provider: EventLoopGroupProvider
        var owned: MultiThreadedEventLoopGroup?
        if MailvaultServer.sharesEventLoops.load(ordering: .relaxed) {
            provider = .singleton
        } else {
            let loops = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads)
            owned = loops
            provider = .shared(loops)
        }
        defer { owned?.shutdownGracefully { _ in } }
        let application = Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [EventStreamCloser()])),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: port),
                                                    serverName: "mailvault/\(MailvaultServer.version)"),
            services: [RetentionSweeper(server: self), CheckpointRecorder(server: self),
                       KeepAliveTicker(hub: hub, interval: configuration.keepAliveInterval)],
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                logger.info("listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
                await onListening(bound)
            },
            eventLoopGroupProvider: provider,
            logger: logger
        )
        try await withGracefulShutdownHandler {
            try await application.run()
        } onGracefulShutdown: { [hub] in
            // Live subscriptions never end by themselves: end them so the server can drain.
            hub.close()
        }
    }

    static let sharesEventLoops = Atomic<Bool>(false)

    /// Makes SwiftNIO's shared event loops (`threads` of them) Swift's global executor for the
    /// whole process, so that request handlers run on the loop that read the request instead of
    /// hopping to Swift's thread pool and back. Call it once, first thing in a process that runs
    /// a server (tasks started before keep the old pool); servers started afterwards use those
    /// loops. Returns `false` when the runtime offers no hook (nothing changes then).
    public static func adoptEventLoopsAsGlobalExecutor(threads: Int) -> Bool {
        NIOSingletons.groupLoopCountSuggestion = threads
        guard NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() else { return false }
        sharesEventLoops.store(true, ordering: .relaxed)
        return true
    }

    /// The version reported in the `Server` header and the descriptor.
    public static let version = "0.2.0"
}

/// The per-request context: Hummingbird's core storage, the client's address, and when its
/// connection closes.
struct ServerContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?
    /// Completes when the connection closes (the client went away, or the server closed it).
    let connectionClosed: EventLoopFuture<Void>

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        connectionClosed = source.channel.closeFuture
    }
}
