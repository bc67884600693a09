import Foundation
import Hummingbird
import Logging
import MailvaultAccountability
import MailvaultAPI
import MailvaultCore
import MailvaultFederation
import MailvaultNode
import MailvaultPush
import MailvaultPushService
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The HTTP API over a `Node` (Docs/API.md): thin on purpose — routes decode with MailvaultAPI,
/// call the node and encode; rate limits and the concurrency gate are middleware on route groups.
///
/// Run it as a `Service` (it is one): graceful shutdown stops accepting connections, ends live
/// subscriptions, lets in-flight requests (and so their durable writes) finish, and returns.
/// The caller closes the archive afterwards.
public final class MailvaultServer: Service, Sendable {
    /// The configuration in force.
    public let configuration: ServerConfiguration
    /// The node the routes call.
    public let node: Node
    /// Its peering: live relay, reconciliation, and the answers to peers.
    public let federation: Federation
    /// Push notifications (Docs/Push.md); `nil` when the node takes no registrations.
    public let push: PushService?
    /// The paid service's gate (`--subscriptions`), if the node sells subscriptions.
    public let payments: PaymentGate?
    let logger: Logger
    let metrics = ServerMetrics()
    let hub: SubscriptionHub
    let ingestLimiter: RateLimiter
    let queryLimiter: RateLimiter
    let gate: QueryGate
    private let onListening: @Sendable (Int) async -> Void

    /// A server over `archive` (an `EnvelopeStore`, or a wrapper around one).
    ///
    /// - Parameters:
    ///   - clock: the node's clock in Unix seconds (the ingest rules and default `to` use it).
    ///   - push: the push notifications the server's `/v1/push/` routes and delivery serve, if any.
    ///   - payments: the paid service's gate, if the node sells subscriptions.
    ///   - onListening: called with the bound port once the server accepts connections.
    public init(configuration: ServerConfiguration, archive: any Archive, logger: Logger,
                clock: @escaping @Sendable () -> UInt32 = Node.systemClock,
                push: PushService? = nil,
                payments: PaymentGate? = nil,
                onListening: @escaping @Sendable (Int) async -> Void = { _ in }) {
        var configuration = configuration
        // The descriptor publishes the offer the push routes serve and the service delivers by.
        configuration.node.pushOffer = push?.offer
        self.configuration = configuration
        self.logger = logger
        self.onListening = onListening
        self.push = push
        self.payments = payments
        let metrics = metrics
        if let push { metrics.pushRegistrations(push.registry.count) }
        hub = SubscriptionHub(capacity: configuration.maximumSubscribers,
                              perClient: configuration.maximumSubscribersPerClient,
                              bufferSize: configuration.subscriberBuffer, metrics: metrics)
        ingestLimiter = RateLimiter(limit: configuration.ingestRate)
        queryLimiter = RateLimiter(limit: configuration.queryRate)
        gate = QueryGate(capacity: configuration.maximumConcurrentQueries)
        node = Node(configuration: configuration.node, archive: archive, limits: configuration.publishedLimits,
                    logger: logger, clock: clock, observers: [metrics, hub] as [any IngestObserver] + (push.map { [$0.queue] } ?? []), signingSlot: MailvaultServer.eventLoopSlot,
                    batchSizes: { metrics.receiptBatch.record($0) })
        federation = Federation(replica: Replica(node: node), configuration: configuration.federation,
                                dataDirectory: configuration.dataDirectory,
                                selfAddress: node.provider.key.address.description, logger: logger)
    }

    /// The receipt signer's batch for the calling thread: its event loop, flushed behind the
    /// work already queued on it; off an event loop, one shared batch flushed by a task.
    static let eventLoopSlot: @Sendable () -> ReceiptSigner.Slot = {
        guard let loop = MultiThreadedEventLoopGroup.currentEventLoop else { return .task }
        return ReceiptSigner.Slot(identity: ObjectIdentifier(loop), schedule: { flush in loop.execute(flush) })
    }

    /// Serves until graceful shutdown (or cancellation).
    public func run() async throws {
        let router = Router(context: ServerContext.self)
        router.middlewares.add(RequestMiddleware(server: self))
        let reads = router.group()
            .add(middleware: RateLimitMiddleware(limiter: queryLimiter, refused: metrics.rateLimitedQuery,
                                                 trustForwardedFor: configuration.trustForwardedFor))
        // Payment first: a lookup in the contract must not hold a slot of the gate.
        let gated = reads.group().add(middleware: PaymentMiddleware(server: self))
            .add(middleware: QueryGateMiddleware(gate: gate, refused: metrics.overloaded))
        EnvelopeRoutes(server: self).register(on: router, reads: reads, gated: gated)
        SyncRoutes(server: self).register(on: router, reads: reads, gated: gated)
        DiscoveryRoutes(server: self).register(on: reads)
        PushRoutes(server: self).register(on: router)
        var pushServices: [any Service] = []
        if let push {
            pushServices = [PushRegistrySweeper(registry: push.registry, clock: node.clock, logger: logger),
                            PushDeliverer(service: push, logger: logger, events: metrics.pushEvents)]
        }
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
                                                    serverName: "mailvault/\(MailvaultVersion.current)"),
            services: node.services(onSweep: { [metrics] in metrics.swept($0) })
                + [KeepAliveTicker(hub: hub, interval: configuration.keepAliveInterval), federation]
                + pushServices,
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
