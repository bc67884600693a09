import AsyncHTTPClient
import Foundation
import Logging
import MailvaultAccountability
import MailvaultCore
import MailvaultNode
import MailvaultStore
import MailvaultSync
import ServiceLifecycle
import Synchronization

/// Keeps a replica complete with its peers (Docs/Sync.md): verifies each peer by its signed
/// descriptor, follows its announcements and pulls what is new (live relay), reconciles the whole
/// retention window with Negentropy at start, periodically and on demand, and heals coverage
/// gaps a reconciled peer covered. It also answers peers: Negentropy messages and envelope
/// batches, over the same replica.
///
/// Run it as a `Service`; `mailvault sync` calls `reconcile(with:)` directly.
public final class Federation: Service, Sendable {
    /// What it was told.
    public let configuration: FederationConfiguration
    /// The local side.
    public let replica: Replica
    /// The configured peers.
    public let peers: [Peer]
    /// The providers this node knows (`GET /v1/providers`): its peers and those they list.
    public let directory: ProviderDirectory
    let book: PeerBook?
    let http: HTTPClient
    let logger: Logger
    let refused: RefusedHashes
    let inFlight = Mutex(Set<Hash256>())
    private let rounds = Atomic<UInt64>(0)
    private let roundFailures = Atomic<UInt64>(0)

    /// Federation of `replica` with `configuration.peers`.
    ///
    /// - Parameters:
    ///   - dataDirectory: where `peers.json` remembers each peer's address (`nil`: remember nothing).
    ///   - selfAddress: this node's provider address, sent to peers for their statistics.
    public init(replica: Replica, configuration: FederationConfiguration, dataDirectory: String?, selfAddress: String?,
                logger: Logger) {
        self.configuration = configuration
        self.replica = replica
        self.logger = logger
        book = dataDirectory.map { PeerBook(directory: $0, logger: logger) }
        var settings = HTTPClient.Configuration()
        // A silent connection is dead after the request timeout plus the announcement stream's
        // 15 s keep-alive interval.
        settings.timeout = .init(connect: .seconds(5), read: .seconds(configuration.limits.requestTimeout.components.seconds + 20))
        settings.redirectConfiguration = .disallow
        settings.decompression = .disabled
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
        self.http = http
        refused = RefusedHashes(capacity: configuration.limits.refusedMemory)
        directory = ProviderDirectory(own: replica.provider?.key.address, sources: configuration.peers.count,
                                      limits: configuration.directory)
        let limits = configuration.limits
        peers = configuration.peers.map { spec in
            let counters = PeerCounters()
            return Peer(spec: spec, client: PeerClient(url: spec.url, http: http, selfAddress: selfAddress, limits: limits,
                                                       counters: counters, key: replica.provider?.key), counters: counters)
        }
    }

    /// Whether `address` is one of this node's peers: pinned by the operator, or seen signing the
    /// descriptor of a configured peer.
    public func isPeer(_ address: ProviderAddress) -> Bool {
        peers.contains { $0.spec.pinned == address || $0.address == address }
    }

    /// Follows and reconciles every peer until graceful shutdown, then closes the HTTP client.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for peer in self.peers {
                    if self.configuration.relay { group.addTask { await self.relayLoop(peer) } }
                    group.addTask { await self.syncLoop(peer) }
                }
            }
        }
        // With no peers there is nothing to run, but a service that returns early stops the group.
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Closes the HTTP client (after `run`, or when used without it).
    public func shutdown() async {
        try? await http.shutdown()
    }

    /// The peer at `url` (as configured), if any.
    public func peer(url: String) -> Peer? {
        var trimmed = url
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return peers.first { $0.spec.url == trimmed }
    }

    /// The peer that verified as `address`, if any.
    public func peer(address: String) -> Peer? {
        let lower = address.lowercased()
        return peers.first { $0.address?.description == lower }
    }

    /// Asks every peer's reconciliation loop to run a round now.
    public func wakeAll() {
        for peer in peers { peer.wakeRequested.store(true, ordering: .relaxed) }
    }

    // MARK: Verification

    /// Fetches and verifies the peer's descriptor and admits its key (`PeerBook`).
    func verify(_ peer: Peer) async throws(FederationError) -> ProviderIdentity {
        let identity = try await peer.client.descriptor()
        let now = replica.clock()
        guard identity.descriptor.expires > now else {
            throw .badDescriptor(peer: peer.spec.url, reason: "it expired at \(identity.descriptor.expires)")
        }
        if let book {
            try book.admit(identity, as: peer.spec, now: now)
        } else if let pinned = peer.spec.pinned, pinned != identity.address {
            throw .keyChanged(peer: peer.spec.url, known: pinned.description, presented: identity.address.description)
        }
        peer.live.withLock {
            if $0.identity?.address != identity.address {
                logger.info("peer verified", metadata: ["url": "\(peer.spec.url)", "address": "\(identity.address)"])
            }
            $0.identity = identity
            $0.state = .up
        }
        directory.know(peer: identity)
        return identity
    }

    // MARK: Live relay

    private func relayLoop(_ peer: Peer) async {
        let queue = KeyQueue(capacity: 100_000)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.fetchAnnounced(queue, from: peer) }
            while !Task.isCancelled {
                do {
                    _ = try await verify(peer)
                    let stream = try await peer.client.announcements()
                    peer.live.withLock {
                        $0.relayConnected = true
                        $0.failures[.relay] = 0
                    }
                    // Announcements made before the stream was up were missed: reconcile.
                    peer.wakeRequested.store(true, ordering: .relaxed)
                    for try await keys in stream {
                        if !queue.push(keys) {
                            logger.warning("announcements overflowed; reconciling instead", metadata: ["url": "\(peer.spec.url)"])
                            peer.wakeRequested.store(true, ordering: .relaxed)
                        }
                    }
                    peer.live.withLock { $0.relayConnected = false }
                } catch {
                    peer.live.withLock { $0.relayConnected = false }
                    if Task.isCancelled { break }
                    let failure = error as? FederationError ?? .unreachable(peer: peer.spec.url, reason: "\(error)")
                    peer.failed(failure, now: replica.clock(), on: .relay)
                    logger.warning("relay stream failed", metadata: ["url": "\(peer.spec.url)", "error": "\(failure)"])
                }
                try? await Task.sleep(for: peer.backoff(.relay))
            }
            queue.close()
            group.cancelAll()
        }
    }

    private func fetchAnnounced(_ queue: KeyQueue, from peer: Peer) async {
        while !Task.isCancelled {
            let keys = await queue.take()
            if keys.isEmpty { continue }
            let now = replica.clock()
            let wanted = keys.filter { replica.admits(sent: $0.sent, now: now) }.map(\.hash)
            do {
                _ = try await pull(wanted, from: peer)
            } catch {
                peer.failed(error, now: now, on: .relay)
                logger.warning("relay fetch failed", metadata: ["url": "\(peer.spec.url)", "error": "\(error)"])
                peer.wakeRequested.store(true, ordering: .relaxed)
            }
        }
    }

    // MARK: Fetching

    /// What a pull did.
    struct Pulled {
        var fetched = 0
        var stored = 0
        var refused = 0
    }

    /// Fetches from `peer` those of `hashes` this node lacks (and has not refused before, and is
    /// not fetching already), and stores them through the replica's rules. One batch is fetched
    /// ahead while the previous one is stored.
    func pull(_ hashes: [Hash256], from peer: Peer) async throws(FederationError) -> Pulled {
        guard !hashes.isEmpty else { return Pulled() }
        let present: [Bool]
        do {
            present = try replica.archive.presence(of: hashes)
        } catch {
            throw .archive("\(error)")
        }
        let candidates = zip(hashes, present).compactMap { $1 ? nil : $0 }.filter { !refused.contains($0) }
        let mine: [Hash256] = inFlight.withLock { flying in candidates.filter { flying.insert($0).inserted } }
        defer { inFlight.withLock { flying in for hash in mine { flying.remove(hash) } } }
        var pulled = Pulled()
        let size = configuration.limits.maximumFetch
        let batches = stride(from: 0, to: mine.count, by: size).map { mine[$0..<min($0 + size, mine.count)] }
        var ahead: Task<[Envelope], any Error>? = batches.first.map { batch in Task { try await self.fetch(batch, from: peer) } }
        for index in batches.indices {
            let envelopes: [Envelope]
            do {
                envelopes = try await ahead!.value
            } catch {
                throw error as? FederationError ?? .unreachable(peer: peer.spec.url, reason: "\(error)")
            }
            ahead = index + 1 < batches.count ? Task { [batch = batches[index + 1]] in try await self.fetch(batch, from: peer) } : nil
            let result = try await store(envelopes)
            pulled.fetched += envelopes.count
            pulled.stored += result.stored
            pulled.refused += result.refused
        }
        return pulled
    }

    /// One batch, following the peer's `next` until it has answered for every hash.
    private func fetch(_ batch: ArraySlice<Hash256>, from peer: Peer) async throws(FederationError) -> [Envelope] {
        var rest = batch
        var envelopes: [Envelope] = []
        while !rest.isEmpty {
            let answer = try await peer.client.envelopes(rest)
            envelopes += answer.envelopes
            guard let next = answer.next else { break }
            rest = rest[next...]
        }
        return envelopes
    }

    /// Stores envelopes from a peer: those outside the window or refused by the rules are
    /// remembered as refused, never stored.
    private func store(_ envelopes: [Envelope]) async throws(FederationError) -> (stored: Int, refused: Int) {
        let now = replica.clock()
        var admitted: [Envelope] = []
        var refusedCount = 0
        for envelope in envelopes {
            if replica.admits(sent: envelope.sentTime, now: now) {
                admitted.append(envelope)
            } else {
                refused.insert(envelope.hash)
                refusedCount += 1
            }
        }
        guard !admitted.isEmpty else { return (0, refusedCount) }
        let outcomes: [IngestOutcome]
        do {
            outcomes = try await replica.ingest.ingest(admitted, now: now)
        } catch {
            throw .archive("\(error)")
        }
        var stored = 0
        for outcome in outcomes {
            switch outcome.status {
            case .stored: stored += 1
            case .rejected:
                refused.insert(outcome.hash)
                refusedCount += 1
            default: break
            }
        }
        return (stored, refusedCount)
    }

    // MARK: Reconciliation

    private func syncLoop(_ peer: Peer) async {
        while !Task.isCancelled {
            peer.wakeRequested.store(false, ordering: .relaxed)
            var pause: Duration
            do {
                _ = try await reconcile(with: peer)
                await exchangeDirectory(with: peer)
                let interval = Double(configuration.syncInterval)
                pause = interval > 0 ? .milliseconds(Int(interval * 1000 * Double.random(in: 0.8...1.2))) : .seconds(86_400 * 365)
            } catch {
                pause = peer.backoff(.rounds)
            }
            // Sleep in short slices so that a wake-up (relay reconnect, /v1/sync/rounds) is quick.
            let deadline = ContinuousClock.now + pause
            while !Task.isCancelled, ContinuousClock.now < deadline, !peer.wakeRequested.load(ordering: .relaxed) {
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// One reconciliation round with `peer` over the retention window: verify the peer, exchange
    /// Negentropy messages until they agree, fetch and store what this node lacks, heal the gaps
    /// the peer covered. The report is kept for `/v1/peers`, logged, and returned; a failure is
    /// recorded on the peer and thrown.
    @discardableResult
    public func reconcile(with peer: Peer) async throws(FederationError) -> RoundReport {
        let startedAt = replica.clock()
        let started = ContinuousClock.now
        var report = RoundReport(url: peer.spec.url, at: startedAt)
        do {
            let identity = try await verify(peer)
            let windowStart = replica.windowStart(now: startedAt)
            try await exchange(with: peer, windowStart: windowStart, report: &report)
            if let provider = replica.provider {
                report.healedGaps = provider.heal(windowStart: windowStart, peer: identity.descriptor, url: peer.spec.url,
                                                  now: replica.clock()).count
            }
            let elapsed = started.duration(to: .now).components
            report.milliseconds = Int(elapsed.seconds * 1000 + elapsed.attoseconds / 1_000_000_000_000_000)
            rounds.add(1, ordering: .relaxed)
            peer.live.withLock {
                $0.lastRound = report
                $0.syncedAt = startedAt
                $0.failures[.rounds] = 0
            }
            logger.info("reconciled", metadata: [
                "url": "\(peer.spec.url)", "ms": "\(report.milliseconds)", "exchanges": "\(report.exchanges)",
                "bytesOut": "\(report.messageBytesOut)", "bytesIn": "\(report.messageBytesIn)", "have": "\(report.have)",
                "need": "\(report.need)", "stored": "\(report.stored)", "refused": "\(report.refused)",
                "healedGaps": "\(report.healedGaps)",
            ])
            return report
        } catch {
            roundFailures.add(1, ordering: .relaxed)
            report.error = error.description
            peer.live.withLock { $0.lastRound = report }
            peer.failed(error, now: replica.clock(), on: .rounds)
            logger.warning("reconciliation failed", metadata: ["url": "\(peer.spec.url)", "error": "\(error)"])
            throw error
        }
    }

    /// Takes the providers `peer` lists into the directory. A failure is logged and otherwise
    /// ignored: a peer without a directory (an older version) still replicates.
    @discardableResult
    public func exchangeDirectory(with peer: Peer) async -> ProviderDirectory.LearnReport? {
        guard let source = peer.address else { return nil }
        do {
            let documents = try await peer.client.directory()
            let report = directory.learn(documents, from: source, now: replica.clock())
            if report.added + report.updated > 0 || !report.refused.isEmpty {
                logger.info("directory exchanged", metadata: [
                    "url": "\(peer.spec.url)", "added": "\(report.added)", "updated": "\(report.updated)",
                    "refused": "\(report.refused.values.reduce(0, +))",
                ])
            }
            return report
        } catch {
            logger.info("directory not exchanged", metadata: ["url": "\(peer.spec.url)", "error": "\(error)"])
            return nil
        }
    }

    /// The Negentropy exchange of one round, pulling needs as they are learned.
    private func exchange(with peer: Peer, windowStart: UInt32, report: inout RoundReport) async throws(FederationError) {
        let limits = configuration.limits
        let url = peer.spec.url
        var session: Reconciler<ArchiveSyncIndex>
        var message: [UInt8]
        do {
            session = try Reconciler(index: ArchiveSyncIndex(archive: replica.archive), options: reconcilerOptions)
            message = try session.initiate(from: SyncBound(timestamp: UInt64(windowStart)))
        } catch {
            throw .archive("\(error)")
        }
        var needs: [Hash256] = []
        while true {
            report.exchanges += 1
            guard report.exchanges <= limits.maximumExchanges else {
                throw .protocolViolation(peer: url, reason: "no agreement after \(limits.maximumExchanges) exchanges")
            }
            report.messageBytesOut += message.count
            let answer = try await peer.client.negentropy(message)
            report.messageBytesIn += answer.count
            let step: ReconcileOutcome
            do {
                step = try session.reconcile(answer)
            } catch {
                throw .protocolViolation(peer: url, reason: "\(error)")
            }
            report.have += step.have.count
            report.need += step.need.count
            guard report.need <= limits.maximumNeeds else {
                throw .protocolViolation(peer: url, reason: "it claims more than \(limits.maximumNeeds) envelopes this node lacks")
            }
            needs += step.need
            if needs.count >= 8 * limits.maximumFetch || step.next == nil {
                let pulled = try await pull(needs, from: peer)
                report.fetched += pulled.fetched
                report.stored += pulled.stored
                report.refused += pulled.refused
                needs.removeAll(keepingCapacity: true)
            }
            guard let next = step.next else { return }
            message = next
        }
    }

    // MARK: Answering peers

    /// The answer to a peer's Negentropy message, over this replica's whole archive.
    public func respond(to message: [UInt8]) throws(SyncError) -> [UInt8] {
        try Reconciler(index: ArchiveSyncIndex(archive: replica.archive), options: reconcilerOptions).respond(to: message)
    }

    /// Both roles' message shape: the reference's, with this node's frame size limit.
    private var reconcilerOptions: ReconcilerOptions {
        ReconcilerOptions(frameSizeLimit: configuration.limits.frameSizeLimit)
    }

    /// The envelopes held among `hashes`, in their order, until `limits.fetchBudgetBytes` would be
    /// exceeded (always at least one); `next` is the index of the first hash not looked at then.
    public func batch(_ hashes: [Hash256]) throws(StoreError) -> (envelopes: [Envelope], bytes: Int, next: Int?) {
        var envelopes: [Envelope] = []
        var bytes = 0
        for (index, hash) in hashes.enumerated() {
            guard let envelope = try replica.archive.envelope(hash: hash) else { continue }
            if !envelopes.isEmpty, bytes + envelope.encoded.count > configuration.limits.fetchBudgetBytes {
                return (envelopes, bytes, index)
            }
            envelopes.append(envelope)
            bytes += envelope.encoded.count
        }
        return (envelopes, bytes, nil)
    }

    // MARK: Visibility

    /// Every peer's link, for `GET /v1/peers`.
    public func status() -> [PeerStatus] {
        let now = replica.clock()
        return peers.map { $0.status(now: now) }
    }

    /// The healed gaps, for `GET /v1/peers`.
    public var healedGaps: [ProviderState.HealedGap] { replica.provider?.healedGaps ?? [] }

    /// Prometheus text lines for the peers (appended to `/metrics`).
    public func exposition() -> [UInt8] {
        let now = replica.clock()
        var lines: [String] = []
        func family(_ name: String, _ type: String, _ help: String, _ value: (PeerStatus) -> Double?) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for peer in peers {
                let status = peer.status(now: now)
                if let value = value(status) { lines.append("\(name){peer=\"\(status.url)\"} \(value)") }
            }
        }
        family("mailvault_peer_up", "gauge", "1 when the peer verified and its last round or relay worked.") { $0.state == .up ? 1 : 0 }
        family("mailvault_peer_relay_connected", "gauge", "1 while the peer's announcement stream is connected.") { $0.relay ? 1 : 0 }
        family("mailvault_peer_lag_seconds", "gauge", "Seconds since this node was last known complete with the peer.") { $0.lagSeconds.map(Double.init) }
        family("mailvault_peer_envelopes_in_total", "counter", "Envelopes fetched from the peer.") { Double($0.envelopesIn) }
        family("mailvault_peer_envelopes_out_total", "counter", "Envelopes served to the peer.") { Double($0.envelopesOut) }
        family("mailvault_peer_bytes_in_total", "counter", "Bytes received from the peer.") { Double($0.bytesIn) }
        family("mailvault_peer_bytes_out_total", "counter", "Bytes sent to the peer.") { Double($0.bytesOut) }
        family("mailvault_peer_errors_total", "counter", "Failed requests, rounds and streams with the peer.") { Double($0.errors) }
        family("mailvault_peer_last_round_need", "gauge", "Envelopes the last round found missing here.") { $0.lastRound.map { Double($0.need) } }
        lines.append("# HELP mailvault_sync_rounds_total Reconciliation rounds finished.")
        lines.append("# TYPE mailvault_sync_rounds_total counter")
        lines.append("mailvault_sync_rounds_total \(rounds.load(ordering: .relaxed))")
        lines.append("# HELP mailvault_sync_round_failures_total Reconciliation rounds that failed.")
        lines.append("# TYPE mailvault_sync_round_failures_total counter")
        lines.append("mailvault_sync_round_failures_total \(roundFailures.load(ordering: .relaxed))")
        let counts = directory.counts(now: now)
        lines.append("# HELP mailvault_directory_providers Providers GET /v1/providers lists besides this node, by origin.")
        lines.append("# TYPE mailvault_directory_providers gauge")
        lines.append("mailvault_directory_providers{origin=\"peer\"} \(counts.peers)")
        lines.append("mailvault_directory_providers{origin=\"heard\"} \(counts.heard)")
        lines.append("# HELP mailvault_directory_refused_total Descriptors peers listed that the directory refused.")
        lines.append("# TYPE mailvault_directory_refused_total counter")
        lines.append("mailvault_directory_refused_total \(counts.refused)")
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }
}
