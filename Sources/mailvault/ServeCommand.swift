import ArgumentParser
import Foundation
import Logging
import MailvaultAccountability
import MailvaultAPI
import MailvaultChain
import MailvaultCore
import MailvaultFederation
import MailvaultNode
import MailvaultPush
import MailvaultPushService
import MailvaultServer
import MailvaultStore
import ServiceLifecycle

/// `mailvault serve`: the node a provider runs.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API (post, query, subscribe) over an embedded archive.",
        discussion: """
            With no options it listens on 127.0.0.1:8080 and keeps its archive in ./mailvault-data.
            Every option can also be set by an environment variable named after it: --min-pow is
            MAILVAULT_MIN_POW, --data-dir is MAILVAULT_DATA_DIR. A flag on the command line wins over the
            environment. The configuration in force is printed at start. SIGTERM or SIGINT stops
            accepting, finishes in-flight writes and closes the store. Docs/Operations.md has the rest.

            Examples:
              mailvault serve
              mailvault serve --host 0.0.0.0 --port 8080 --data-dir /var/lib/mailvault --max-age 30d
              mailvault serve --retention-tier 1:90d --retention-tier 10:365d --max-store-bytes 200000000000
              mailvault serve --public-url https://a.example.org --peer https://b.example.org#0x1f2e…
              mailvault serve --gorush-url http://127.0.0.1:8088 --push-price '0.5 SNT/1000' --push-free-quota 10000
            """
    )

    @Option(help: "Address to listen on [MAILVAULT_HOST, default 127.0.0.1].")
    var host: String?
    @Option(help: "TCP port; 0 picks a free one [MAILVAULT_PORT, default 8080].")
    var port: Int?
    @Option(name: .customLong("data-dir"), help: "The archive's directory [MAILVAULT_DATA_DIR, default ./mailvault-data].")
    var dataDirectory: String?
    @Option(name: .customLong("min-pow"), help: "Minimum PoW of posted envelopes [MAILVAULT_MIN_POW, default 0.000002].")
    var minimumPoW: Double?
    @Option(name: .customLong("max-envelope-size"), help: "Largest envelope, 20 + data bytes, at most 10 MiB [MAILVAULT_MAX_ENVELOPE_SIZE, default 1048576].")
    var maximumEnvelopeSize: Int?
    @Option(name: .customLong("max-age"), help: "Keep envelopes this long after they were sent: seconds or 30d/12h/15m [MAILVAULT_MAX_AGE, default 30d].")
    var maximumAge: String?
    @Option(name: .customLong("retention-tier"), help: "MIN_POW:AGE — envelopes with at least this PoW are kept for AGE (repeatable) [MAILVAULT_RETENTION_TIERS, comma-separated].")
    var retentionTiers: [String] = []
    @Option(name: .customLong("max-store-bytes"), help: "Evict the oldest envelopes beyond this many stored bytes [MAILVAULT_MAX_STORE_BYTES, default unlimited].")
    var maximumStoreBytes: UInt64?
    @Option(name: .customLong("compression-level"), help: "zstd level for stored records, 0 stores raw [MAILVAULT_COMPRESSION_LEVEL, default 3].")
    var compressionLevel: Int32?
    @Option(name: .customLong("zstd-dictionary"), help: "Train a zstd dictionary from stored envelopes and compress with it: true or false [MAILVAULT_ZSTD_DICTIONARY, default false].")
    var zstdDictionary: Bool?
    @Option(name: .customLong("sweep-interval"), help: "Seconds between retention sweeps [MAILVAULT_SWEEP_INTERVAL, default 300].")
    var sweepInterval: UInt32?
    @Option(name: .customLong("max-body-bytes"), help: "Largest request body [MAILVAULT_MAX_BODY_BYTES, default 8388608].")
    var maximumBodyBytes: Int?
    @Option(name: .customLong("max-batch"), help: "Most envelopes per POST [MAILVAULT_MAX_BATCH, default 1000].")
    var maximumBatch: Int?
    @Option(name: .customLong("ingest-rate"), help: "Ingest requests per second per client, 0 for no limit [MAILVAULT_INGEST_RATE, default 20].")
    var ingestRate: Double?
    @Option(name: .customLong("ingest-burst"), help: "Ingest requests a client may make at once [MAILVAULT_INGEST_BURST, default 40].")
    var ingestBurst: Double?
    @Option(name: .customLong("query-rate"), help: "Read requests per second per client, 0 for no limit [MAILVAULT_QUERY_RATE, default 200].")
    var queryRate: Double?
    @Option(name: .customLong("query-burst"), help: "Read requests a client may make at once [MAILVAULT_QUERY_BURST, default 400].")
    var queryBurst: Double?
    @Option(name: .customLong("max-concurrent-queries"), help: "Reads served at once; more get 503 [MAILVAULT_MAX_CONCURRENT_QUERIES, default 64].")
    var maximumConcurrentQueries: Int?
    @Option(name: .customLong("max-subscribers"), help: "Live subscriptions open at once [MAILVAULT_MAX_SUBSCRIBERS, default 1000].")
    var maximumSubscribers: Int?
    @Option(name: .customLong("max-subscribers-per-client"), help: "Live subscriptions one client may hold [MAILVAULT_MAX_SUBSCRIBERS_PER_CLIENT, default 10].")
    var maximumSubscribersPerClient: Int?
    @Option(name: .customLong("event-loop-threads"), help: "Threads that serve requests, I/O and handlers alike [MAILVAULT_EVENT_LOOP_THREADS, default one per core].")
    var eventLoopThreads: Int?
    @Option(name: .customLong("trust-forwarded-for"), help: "Rate-limit by X-Forwarded-For (only behind a trusted proxy): true or false [MAILVAULT_TRUST_FORWARDED_FOR, default false].")
    var trustForwardedFor: Bool?
    @Option(name: .customLong("key-file"), help: "The provider's secp256k1 key (64 hex digits, mode 600); created on first start [MAILVAULT_KEY_FILE, default DATA_DIR/provider.key].")
    var keyFile: String?
    @Option(name: .customLong("public-url"), help: "A URL clients reach this node at, published in the signed descriptor (repeatable) [MAILVAULT_PUBLIC_URLS, comma-separated].")
    var publicURLs: [String] = []
    @Option(name: .customLong("checkpoint-interval"), help: "Seconds between signed checkpoints [MAILVAULT_CHECKPOINT_INTERVAL, default 300].")
    var checkpointInterval: UInt32?
    @Option(name: .customLong("bench-report"), help: "A `mailvault bench --json` report whose figures the signed descriptor publishes [MAILVAULT_BENCH_REPORT, default DATA_DIR/bench.json when it exists].")
    var benchReport: String?
    @Option(name: .customLong("gap-slack"), help: "Record a downtime longer than the checkpoint interval plus this many seconds as a coverage gap [MAILVAULT_GAP_SLACK, default 60].")
    var gapSlack: UInt32?
    @Option(name: .customLong("sync-timeout"), help: "Seconds a peer may take to answer one sync request [MAILVAULT_SYNC_TIMEOUT, default 30].")
    var syncTimeout: UInt32?
    @Option(name: .customLong("peer"), help: "A peer to keep complete with: URL, or URL#0xADDRESS to pin its key (repeatable) [MAILVAULT_PEERS, comma-separated].")
    var peers: [String] = []
    @Option(name: .customLong("sync-interval"), help: "Seconds between reconciliation rounds with each peer (jittered ±20%), 0 for only at start and on demand [MAILVAULT_SYNC_INTERVAL, default 300].")
    var syncInterval: UInt32?
    @Option(name: .customLong("relay"), help: "Follow peers' announcements and fetch what is new (live relay): true or false [MAILVAULT_RELAY, default true].")
    var relay: Bool?
    @Option(name: .customLong("push"), help: "Serve push notifications (registrations, delivery, the offer in the descriptor): true or false [MAILVAULT_PUSH, default true].")
    var pushEnabled: Bool?
    @Option(name: .customLong("push-price"), help: "What push costs: free, 'AMOUNT UNIT/month' or 'AMOUNT UNIT/1000' (per 1000 notifications), e.g. '10 SNT/month'; give both kinds to charge both (repeatable) [MAILVAULT_PUSH_PRICE, comma-separated, default free].")
    var pushPrices: [String] = []
    @Option(name: .customLong("push-free-quota"), help: "Notifications a month the per-1000 price does not count [MAILVAULT_PUSH_FREE_QUOTA, default 0].")
    var pushFreeQuota: UInt64?
    @Option(name: .customLong("gorush-url"), help: "The gorush server mobile push notifications go through (its /api/push); none refuses gorush registrations [MAILVAULT_GORUSH_URL].")
    var gorushURL: String?
    @Option(name: .customLong("push-allow-host"), help: "A host push targets may name although it is not public, over http too (repeatable) [MAILVAULT_PUSH_ALLOW_HOSTS, comma-separated].")
    var pushAllowHosts: [String] = []
    @Option(name: .customLong("push-max-per-key"), help: "Push registrations one client key may hold [MAILVAULT_PUSH_MAX_PER_KEY, default 10].")
    var pushMaximumPerKey: Int?
    @Option(name: .customLong("push-max-per-address"), help: "Push registrations made from one client address (IPv4, or IPv6 /64) [MAILVAULT_PUSH_MAX_PER_ADDRESS, default 100].")
    var pushMaximumPerAddress: Int?
    @Option(name: .customLong("push-max-topics"), help: "Topics one push registration may watch [MAILVAULT_PUSH_MAX_TOPICS, default 100].")
    var pushMaximumTopics: Int?
    @Option(name: .customLong("push-max-registrations"), help: "Push registrations the node holds in all [MAILVAULT_PUSH_MAX_REGISTRATIONS, default 100000].")
    var pushMaximumTotal: Int?
    @Option(name: .customLong("push-max-lifetime"), help: "How far ahead a push registration may expire: seconds or 30d/12h/15m [MAILVAULT_PUSH_MAX_LIFETIME, default 30d].")
    var pushMaximumLifetime: String?
    @Option(name: .customLong("push-batch-window"), help: "Seconds notifications wait to go out together, hiding when each envelope arrived at up to this much latency; 0 sends at once [MAILVAULT_PUSH_BATCH_WINDOW, default 0].")
    var pushBatchWindow: Double?
    @Option(name: .customLong("push-max-attempts"), help: "Delivery attempts before a notification is a dead letter [MAILVAULT_PUSH_MAX_ATTEMPTS, default 12].")
    var pushMaximumAttempts: Int?
    @Option(name: .customLong("push-max-age"), help: "Age after which an undelivered notification is a dead letter: seconds or 30d/12h/15m [MAILVAULT_PUSH_MAX_AGE, default 1d].")
    var pushMaximumAge: String?
    @Option(name: .customLong("push-retry-base"), help: "Seconds before the first retry; each further one doubles it, jittered [MAILVAULT_PUSH_RETRY_BASE, default 1].")
    var pushRetryBase: Double?
    @Option(name: .customLong("push-retry-ceiling"), help: "The longest wait between two delivery attempts, in seconds [MAILVAULT_PUSH_RETRY_CEILING, default 900].")
    var pushRetryCeiling: Double?
    @Option(name: .customLong("subscriptions"), help: "Sell subscriptions through this registry contract (0x address): history reads beyond the free quota need a signed request from a paying client key; needs --eth-rpc [MAILVAULT_SUBSCRIPTIONS].")
    var subscriptions: String?
    @Option(name: .customLong("eth-rpc"), help: "The Ethereum JSON-RPC endpoint the contract is read through (eth_call) [MAILVAULT_ETH_RPC].")
    var ethRPC: String?
    @Option(name: .customLong("free-quota"), help: "History requests a client may make per UTC day without a subscription, with --subscriptions [MAILVAULT_FREE_QUOTA, default 1000].")
    var freeQuota: Int?
    @Option(name: .customLong("push-contact"), help: "The operator's contact (mailto: or https:) that Web Push requests name in their VAPID token; Apple's push service requires one [MAILVAULT_PUSH_CONTACT].")
    var pushContact: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical [MAILVAULT_LOG_LEVEL, default info].")
    var logLevel: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var settings = Settings(environment: environment)
        var configuration = ServerConfiguration()
        configuration.host = try settings.value(host, "host", configuration.host)
        configuration.port = try settings.value(port, "port", configuration.port)
        configuration.dataDirectory = try settings.value(dataDirectory, "data-dir", configuration.dataDirectory)
        configuration.minimumPoW = try settings.value(minimumPoW, "min-pow", configuration.minimumPoW)
        configuration.maximumEnvelopeSize = try settings.value(maximumEnvelopeSize, "max-envelope-size",
                                                               configuration.maximumEnvelopeSize)
        let age = try settings.value(maximumAge, "max-age", "30d")
        let tiers = retentionTiers.isEmpty
            ? (environment["MAILVAULT_RETENTION_TIERS"].map { $0.split(separator: ",").map(String.init) } ?? [])
            : retentionTiers
        settings.note("retention-tiers", tiers.isEmpty ? "none" : tiers.joined(separator: ","))
        let storeBytes: UInt64? = try settings.value(maximumStoreBytes, "max-store-bytes", nil)
        configuration.store.compressionLevel = try settings.value(compressionLevel, "compression-level", 3)
        if try settings.value(zstdDictionary, "zstd-dictionary", false) {
            configuration.store.dictionary = DictionaryPolicy()
        }
        configuration.store.retention = RetentionPolicy(maximumAge: try Settings.seconds(age, option: "--max-age"),
                                                        tiers: try tiers.map(Settings.tier), maximumBytes: storeBytes)
        configuration.sweepInterval = try settings.value(sweepInterval, "sweep-interval", configuration.sweepInterval)
        configuration.maximumBodyBytes = try settings.value(maximumBodyBytes, "max-body-bytes", configuration.maximumBodyBytes)
        configuration.maximumBatch = try settings.value(maximumBatch, "max-batch", configuration.maximumBatch)
        configuration.ingestRate = RateLimit(
            perSecond: try settings.value(ingestRate, "ingest-rate", configuration.ingestRate.perSecond),
            burst: try settings.value(ingestBurst, "ingest-burst", configuration.ingestRate.burst))
        configuration.queryRate = RateLimit(
            perSecond: try settings.value(queryRate, "query-rate", configuration.queryRate.perSecond),
            burst: try settings.value(queryBurst, "query-burst", configuration.queryRate.burst))
        configuration.maximumConcurrentQueries = try settings.value(maximumConcurrentQueries, "max-concurrent-queries",
                                                                    configuration.maximumConcurrentQueries)
        configuration.maximumSubscribers = try settings.value(maximumSubscribers, "max-subscribers",
                                                              configuration.maximumSubscribers)
        configuration.maximumSubscribersPerClient = try settings.value(maximumSubscribersPerClient, "max-subscribers-per-client",
                                                                       configuration.maximumSubscribersPerClient)
        configuration.trustForwardedFor = try settings.value(trustForwardedFor, "trust-forwarded-for", false)
        configuration.eventLoopThreads = try settings.value(eventLoopThreads, "event-loop-threads", configuration.eventLoopThreads)
        configuration.checkpointInterval = try settings.value(checkpointInterval, "checkpoint-interval",
                                                              configuration.checkpointInterval)
        configuration.endpoints = publicURLs.isEmpty
            ? (environment["MAILVAULT_PUBLIC_URLS"].map { $0.split(separator: ",").map(String.init) } ?? [])
            : publicURLs
        settings.note("public-urls", configuration.endpoints.isEmpty ? "none" : configuration.endpoints.joined(separator: ","))
        let keyPath = try settings.value(keyFile, "key-file", configuration.dataDirectory + "/provider.key")
        let defaultReport = configuration.dataDirectory + "/bench.json"
        if let report: String = try settings.value(benchReport, "bench-report",
                                                   FileManager.default.fileExists(atPath: defaultReport) ? defaultReport : nil) {
            guard let data = FileManager.default.contents(atPath: report) else {
                throw CLIError("cannot read the bench report \(report)")
            }
            do {
                configuration.benchmark = try ProviderDescriptor.benchmark(fromReport: Array(data))
            } catch {
                throw CLIError("\(report): \(error)")
            }
        }
        let peerList = peers.isEmpty ? (environment["MAILVAULT_PEERS"].map { [$0] } ?? []) : peers
        do {
            configuration.federation.peers = try peerList.flatMap { text throws(FederationError) in try PeerSpec.list(text) }
        } catch {
            throw CLIError("\(error)")
        }
        settings.note("peers", configuration.federation.peers.isEmpty ? "none"
                      : configuration.federation.peers.map(\.description).joined(separator: ","))
        configuration.federation.syncInterval = try settings.value(syncInterval, "sync-interval",
                                                                   configuration.federation.syncInterval)
        configuration.federation.relay = try settings.value(relay, "relay", configuration.federation.relay)
        let timeout = try settings.value(syncTimeout, "sync-timeout", UInt32(30))
        guard timeout > 0 else { throw CLIError("invalid --sync-timeout 0 (seconds, at least 1)") }
        configuration.federation.limits.requestTimeout = .seconds(Int(timeout))
        configuration.gapSlack = try settings.value(gapSlack, "gap-slack", configuration.gapSlack)
        var push = PushConfiguration()
        push.gorushURL = try settings.value(gorushURL, "gorush-url", nil)
        if let url = push.gorushURL {
            guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme ?? ""),
                  components.host?.isEmpty == false else {
                throw CLIError("invalid --gorush-url '\(url)' (an http or https URL)")
            }
        }
        let allowed = pushAllowHosts.isEmpty
            ? (environment["MAILVAULT_PUSH_ALLOW_HOSTS"].map { $0.split(separator: ",").map(String.init) } ?? [])
            : pushAllowHosts
        push.allowHosts = Set(allowed.map { $0.lowercased() })
        settings.note("push-allow-hosts", allowed.isEmpty ? "none" : allowed.joined(separator: ","))
        push.maximumPerKey = try settings.value(pushMaximumPerKey, "push-max-per-key", push.maximumPerKey)
        push.maximumPerAddress = try settings.value(pushMaximumPerAddress, "push-max-per-address", push.maximumPerAddress)
        push.maximumTopics = try settings.value(pushMaximumTopics, "push-max-topics", push.maximumTopics)
        push.maximumTotal = try settings.value(pushMaximumTotal, "push-max-registrations", push.maximumTotal)
        push.maximumLifetime = try Settings.seconds(try settings.value(pushMaximumLifetime, "push-max-lifetime", "30d"),
                                                    option: "--push-max-lifetime")
        let prices = pushPrices.isEmpty
            ? (environment["MAILVAULT_PUSH_PRICE"].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? [])
            : pushPrices
        let quota: UInt64? = try settings.value(pushFreeQuota, "push-free-quota", nil)
        do {
            push.price = try PushPrice(terms: prices, freeQuota: quota)
        } catch {
            guard case .malformedDocument(let reason) = error else { throw CLIError("invalid --push-price: \(error)") }
            throw CLIError("invalid --push-price: \(reason)")
        }
        settings.note("push-price", push.price.description)
        guard push.maximumPerKey > 0, push.maximumPerKey <= PushOffer.maximumPerKeyBound, push.maximumPerAddress > 0, push.maximumTotal > 0,
              (1...PushRegistrationBody.maximumTopics).contains(push.maximumTopics), push.maximumLifetime > 0 else {
            throw CLIError("the push caps must be positive, --push-max-per-key at most \(PushOffer.maximumPerKeyBound), --push-max-topics at most \(PushRegistrationBody.maximumTopics)")
        }
        var delivery = PushDeliveryConfiguration()
        delivery.batchWindow = try settings.value(pushBatchWindow, "push-batch-window", delivery.batchWindow)
        delivery.maximumAttempts = try settings.value(pushMaximumAttempts, "push-max-attempts", delivery.maximumAttempts)
        delivery.maximumAge = try Settings.seconds(try settings.value(pushMaximumAge, "push-max-age", "1d"), option: "--push-max-age")
        delivery.retryBase = try settings.value(pushRetryBase, "push-retry-base", delivery.retryBase)
        delivery.retryCeiling = try settings.value(pushRetryCeiling, "push-retry-ceiling", delivery.retryCeiling)
        guard delivery.batchWindow >= 0, delivery.batchWindow <= PushOffer.maximumBatchWindow, delivery.maximumAttempts > 0,
              delivery.maximumAttempts <= PushOffer.maximumAttemptsBound, delivery.retryBase > 0,
              delivery.retryCeiling >= delivery.retryBase else {
            throw CLIError("invalid push delivery settings (--push-batch-window 0...3600, --push-max-attempts 1...\(PushOffer.maximumAttemptsBound), --push-retry-base positive, --push-retry-ceiling at least --push-retry-base)")
        }
        delivery.vapidSubject = try settings.value(pushContact, "push-contact", nil)
        if let contact = delivery.vapidSubject, !(contact.hasPrefix("mailto:") || contact.hasPrefix("https://")) {
            throw CLIError("invalid --push-contact '\(contact)' (a mailto: or https: URI)")
        }
        let subscriptionContract: ProviderAddress? = try settings.value(subscriptions, "subscriptions", nil).map { text throws in
            guard text.hasPrefix("0x"), let address = try? ProviderAddress(hex: text) else {
                throw CLIError("invalid --subscriptions '\(text)' (the registry contract's 0x address)")
            }
            return address
        }
        let rpcURL = try settings.value(ethRPC, "eth-rpc", nil)
        let requestQuota = try settings.value(freeQuota, "free-quota", 1000)
        if subscriptionContract != nil {
            guard let rpcURL, let components = URLComponents(string: rpcURL), ["http", "https"].contains(components.scheme ?? ""),
                  components.host?.isEmpty == false else {
                throw CLIError("--subscriptions needs --eth-rpc, an http or https URL")
            }
            guard requestQuota >= 0 else { throw CLIError("invalid --free-quota \(requestQuota) (0 or more)") }
        }
        let servesPush = try settings.value(pushEnabled, "push", true)
        let level = try settings.value(logLevel, "log-level", "info")
        try Settings.validate(configuration)

        guard let logLevel = Logger.Level(rawValue: level) else {
            throw CLIError("invalid --log-level '\(level)' (trace, debug, info, notice, warning, error or critical)")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        let logger = Logger(label: "mailvault")
        FileHandle.standardOutput.write(Data(settings.printed.map { "config \($0)\n" }.joined().utf8))

        let store: EnvelopeStore
        do {
            store = try EnvelopeStore.open(at: configuration.dataDirectory, configuration: configuration.store)
        } catch {
            throw CLIError("cannot open the store in \(configuration.dataDirectory): \(error)")
        }
        do {
            configuration.providerKey = try ProviderKey.load(path: keyPath, create: true)
        } catch {
            store.close()
            throw CLIError("\(error)")
        }
        if let key = configuration.providerKey {
            FileHandle.standardOutput.write(Data("provider address=\(key.address) publicKey=\(Hex.encode(key.publicKey, prefix: true))\n".utf8))
        }
        var registry: PushService?
        if servesPush {
            do {
                let service = try PushService(dataDirectory: configuration.dataDirectory, configuration: push, delivery: delivery)
                FileHandle.standardOutput.write(Data("push vapidPublicKey=\(service.vapid.publicKeyBase64URL)\n".utf8))
                registry = service
            } catch {
                store.close()
                throw CLIError("\(error)")
            }
        }
        _ = MailvaultServer.adoptEventLoopsAsGlobalExecutor(threads: configuration.eventLoopThreads)
        ServeCommand.keepFreedMemory()
        // After the event loops are set up: the JSON-RPC client runs on them.
        var payments: PaymentGate?
        if let contract = subscriptionContract, let rpcURL, let key = configuration.providerKey {
            let ledger = SubscriptionLedger(rpc: EthereumRPC(url: rpcURL), contract: contract, provider: key.address)
            do {
                let terms = try await ledger.terms()
                payments = PaymentGate(ledger: ledger, terms: terms, freeQuota: requestQuota)
                FileHandle.standardOutput.write(Data("subscriptions contract=\(contract) price=\(terms.price) period=\(terms.period) token=\(terms.token)\n".utf8))
            } catch {
                store.close()
                throw CLIError("cannot read the subscription terms from \(contract) through \(rpcURL): \(error)")
            }
        }
        let host = configuration.host
        let server = MailvaultServer(configuration: configuration, archive: store, logger: logger, push: registry, payments: payments,
                                     onListening: { port in
            FileHandle.standardOutput.write(Data("listening on http://\(host):\(port)\n".utf8))
        })
        let group = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        do {
            try await group.run()
        } catch {
            store.close()
            throw CLIError("the server stopped: \(error)")
        }
        store.close()
        logger.info("stopped; the store is closed")
    }
}

extension ServeCommand {
    /// Each answer is built in a fresh buffer of tens of KB and freed once written. glibc's
    /// default gives the top of a thread's heap back to the kernel on such frees (madvise), so
    /// the next answer page-faults it in again; keeping up to 64 MiB per heap avoids that.
    /// `mallopt` is looked up at run time (Glibc's Swift module does not declare it); where it
    /// is missing, nothing changes.
    static func keepFreedMemory() {
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let trimThreshold: Int32 = -1 // M_TRIM_THRESHOLD in malloc.h
        _ = unsafeBitCast(symbol, to: Mallopt.self)(trimThreshold, 64 << 20)
    }
}

/// Resolves each setting from its flag, then its `MAILVAULT_…` variable, then its default, and
/// remembers what it chose for the start-up printout.
struct Settings {
    let environment: [String: String]
    private(set) var printed: [String] = []

    init(environment: [String: String]) {
        self.environment = environment
    }

    /// Records a setting resolved elsewhere, for the printout.
    mutating func note(_ name: String, _ value: String) {
        printed.append("\(name)=\(value)")
    }

    mutating func value<T: LosslessStringConvertible>(_ flag: T?, _ name: String, _ fallback: T) throws -> T {
        let variable = "MAILVAULT_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
        let chosen: T
        if let flag {
            chosen = flag
        } else if let text = environment[variable] {
            guard let parsed = T(text) else { throw CLIError("invalid \(variable) '\(text)'") }
            chosen = parsed
        } else {
            chosen = fallback
        }
        printed.append("\(name)=\(chosen)")
        return chosen
    }

    mutating func value<T: LosslessStringConvertible>(_ flag: T?, _ name: String, _ fallback: T?) throws -> T? {
        let variable = "MAILVAULT_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
        let chosen: T?
        if let flag {
            chosen = flag
        } else if let text = environment[variable] {
            guard let parsed = T(text) else { throw CLIError("invalid \(variable) '\(text)'") }
            chosen = parsed
        } else {
            chosen = fallback
        }
        printed.append("\(name)=\(chosen.map { "\($0)" } ?? "none")")
        return chosen
    }

    /// `90`, `90s`, `15m`, `12h` or `30d` as seconds.
    static func seconds(_ text: String, option: String) throws -> UInt32 {
        let units: [Character: UInt64] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var digits = Substring(text)
        var unit: UInt64 = 1
        if let last = text.last, let scale = units[last] {
            unit = scale
            digits = digits.dropLast()
        }
        guard let count = UInt64(digits), count * unit <= UInt64(UInt32.max), count > 0 else {
            throw CLIError("invalid \(option) '\(text)' (seconds, or a number with s, m, h or d)")
        }
        return UInt32(count * unit)
    }

    /// `MIN_POW:AGE`, e.g. `1:90d`.
    static func tier(_ text: String) throws -> RetentionTier {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let pow = Double(parts[0]), pow.isFinite, pow >= 0 else {
            throw CLIError("invalid --retention-tier '\(text)' (MIN_POW:AGE, e.g. 1:90d)")
        }
        return RetentionTier(minimumPoW: pow, maximumAge: try seconds(String(parts[1]), option: "--retention-tier"))
    }

    static func validate(_ configuration: ServerConfiguration) throws {
        guard (0...65535).contains(configuration.port) else { throw CLIError("--port must be 0 to 65535") }
        guard configuration.minimumPoW >= 0, configuration.minimumPoW.isFinite else {
            throw CLIError("--min-pow must be a non-negative number")
        }
        guard (1...IngestPolicy.hardMaximumSize).contains(configuration.maximumEnvelopeSize) else {
            throw CLIError("--max-envelope-size must be 1 to \(IngestPolicy.hardMaximumSize)")
        }
        guard (0...19).contains(configuration.store.compressionLevel) else {
            throw CLIError("--compression-level must be 0 to 19")
        }
        guard configuration.maximumBodyBytes >= 1024 else { throw CLIError("--max-body-bytes must be at least 1024") }
        guard configuration.maximumBatch >= 1 else { throw CLIError("--max-batch must be at least 1") }
        guard configuration.ingestRate.perSecond >= 0, configuration.queryRate.perSecond >= 0 else {
            throw CLIError("rates must be 0 (no limit) or positive")
        }
        guard configuration.maximumConcurrentQueries >= 1, configuration.maximumSubscribers >= 0,
              configuration.maximumSubscribersPerClient >= 1 else {
            throw CLIError("--max-concurrent-queries and --max-subscribers-per-client must be at least 1, --max-subscribers at least 0")
        }
        guard (1...256).contains(configuration.eventLoopThreads) else { throw CLIError("--event-loop-threads must be 1 to 256") }
        guard configuration.sweepInterval >= 1 else { throw CLIError("--sweep-interval must be at least 1") }
    }
}
