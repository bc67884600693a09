import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MailvaultAccountability
import MailvaultAudit
import MailvaultCore
import MailvaultStore
import Synchronization

/// The user's history fetch: every envelope of a topic set since a time, from the best k
/// providers, verified, deduplicated and kept in a local store that later syncs resume from.
///
/// One `run()`:
/// 1. **Discover.** Every `ProviderSource` is asked; candidates are merged by URL. Each is
///    probed in parallel: its descriptor (verified) and a health ping.
/// 2. **Rank.** `ProviderRanking` scores the probes with what the client remembers from earlier
///    syncs (completeness, proven omissions). The best k with a verified descriptor are asked;
///    the rest are reserves.
/// 3. **List.** Each asked provider's signed hash list for the range, page by page, in
///    parallel; every page's receipt is verified (`HashesPage`). A provider whose list cannot
///    be read in full is replaced by the next reserve.
/// 4. **Fetch.** Keys listed by anyone and not held locally are fetched once each, in batches
///    of up to 1000 (`POST /v1/sync/envelopes`), from providers that listed them: workers per
///    provider take batches from one queue, so a slow provider serves less, a failing one is
///    dropped, and a stalled batch is hedged to another provider (`FetchQueue`). Every batch is
///    verified (`ServedBatch`) and stored in one write.
/// 5. **Evidence.** For each asked provider and each stored envelope its list lacks, its signed
///    page that vouches for that key becomes `OmissionEvidence`; proven ones are written to
///    `evidence/omission-<address>-<hash>.json` in the data directory.
/// 6. **Resume.** The topic set's high-water key advances over the range that is complete
///    (every listed key stored, and a whole list read); the next sync starts there, less
///    `resumeOverlap` seconds for envelopes that arrive late, which it lists but need not fetch.
///
/// The data directory holds `store/` (an `EnvelopeStore`), `client-state.json` (`ClientState`)
/// and `evidence/`. One `HistorySync` owns the store while it exists; read messages through
/// `store`.
public final class HistorySync: Sendable {
    /// How a sync runs; the defaults are those of `mailvault client sync`.
    public struct Configuration: Sendable {
        /// Topics to fetch; empty fetches every topic.
        public var topics: [Topic]
        /// The first sent time fetched by the first sync of the topic set; later syncs start at
        /// its high-water key less `resumeOverlap`.
        public var since: UInt32
        /// The last sent time fetched; `nil`: the time the sync starts.
        public var to: UInt32?
        /// How many providers are asked in parallel.
        public var k = 3
        /// Keys per hashes page (1...1000; never more than a provider's declared page size).
        public var pageLimit = HistoryQuery.maximumLimit
        /// Hashes per envelope request (1...1000, the sync endpoint's limit).
        public var batchSize = 1000
        /// Envelope requests in flight per provider.
        public var workersPerProvider = 2
        /// The deadline of each request.
        public var requestTimeout: Duration = .seconds(30)
        /// Retries of requests that fail transiently.
        public var retry = RetryPolicy()
        /// Failed envelope requests in a row after which a provider is dropped from the fetch.
        public var maximumFailures = 3
        /// Seconds before the high-water key a resumed sync starts listing at, for envelopes
        /// that reached providers late (the live sync allowance, federation, imports).
        public var resumeOverlap: UInt32 = 120
        /// Pages per provider after which its list counts as incomplete.
        public var maximumPages = 100_000
        /// Pings per provider when probing, for the latency figure.
        public var latencySamples = 1

        public init(since: UInt32, topics: [Topic] = [], to: UInt32? = nil) {
            self.since = since
            self.topics = topics
            self.to = to
        }

        /// Checks the settings; `run()` calls it.
        public func validate() throws(ClientError) {
            guard k >= 1, k <= 64 else { throw .invalidConfiguration("k must be from 1 to 64, got \(k)") }
            guard (1...HistoryQuery.maximumLimit).contains(pageLimit) else {
                throw .invalidConfiguration("the page limit must be from 1 to \(HistoryQuery.maximumLimit), got \(pageLimit)")
            }
            guard (1...1000).contains(batchSize) else { throw .invalidConfiguration("the batch size must be from 1 to 1000, got \(batchSize)") }
            guard workersPerProvider >= 1 else { throw .invalidConfiguration("at least one worker per provider") }
            guard topics.count <= HistoryQuery.maximumTopics else {
                throw .invalidConfiguration("at most \(HistoryQuery.maximumTopics) topics, got \(topics.count)")
            }
            guard requestTimeout > .zero else { throw .invalidConfiguration("the request timeout must be positive") }
            if let to, since > to { throw .invalidConfiguration("the range starts (\(since)) after it ends (\(to))") }
        }
    }

    /// Where providers come from.
    public let sources: [any ProviderSource]
    /// The client's directory: `store/`, `client-state.json`, `evidence/`.
    public let dataDirectory: String
    public let configuration: Configuration
    /// The local store of every envelope fetched.
    public let store: EnvelopeStore

    /// Opens (creating if needed) the data directory and its store.
    public init(sources: [any ProviderSource], dataDirectory: String, configuration: Configuration) throws(ClientError) {
        try configuration.validate()
        self.sources = sources
        self.dataDirectory = dataDirectory
        self.configuration = configuration
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory + "/evidence", withIntermediateDirectories: true)
        } catch {
            throw .localStorage("cannot create \(dataDirectory): \(error.localizedDescription)")
        }
        do {
            store = try EnvelopeStore.open(at: dataDirectory + "/store")
        } catch {
            throw .localStorage("cannot open the store in \(dataDirectory)/store: \(error)")
        }
    }

    /// Finishes queued writes and closes the store.
    public func close() {
        store.close()
    }

    /// Runs one sync. Failures of single providers end up in the summary; only a sync that
    /// cannot start (no usable provider, bad settings) or cannot store fails.
    public func run(progress: @escaping @Sendable (SyncProgress) -> Void = { _ in }) async throws(ClientError) -> SyncSummary {
        let transport = ProviderTransport(requestTimeout: configuration.requestTimeout, retry: configuration.retry)
        do {
            let summary = try await sync(transport: transport, progress: progress)
            await transport.shutdown()
            return summary
        } catch {
            await transport.shutdown()
            throw error
        }
    }

    // MARK: The phases

    /// A provider as this sync knows it.
    struct Probe: Sendable {
        let url: String
        let connection: ProviderConnection
        var identity: ProviderIdentity?
        /// Whether it answered the probe (a descriptor from a directory says nothing about that).
        var reachable = false

        /// Verified and answering: a provider this sync may ask.
        var usable: Bool { identity != nil && reachable }
    }

    /// What one asked provider listed.
    struct Listing: Sendable {
        var pages: [HashesPage] = []
        var complete = false
        var count = 0
        /// Stopped because it was much slower than the first complete list.
        var cutOff = false
    }

    private func sync(transport: ProviderTransport, progress: @escaping @Sendable (SyncProgress) -> Void)
        async throws(ClientError) -> SyncSummary {
        let clock = ContinuousClock()
        let started = clock.now
        var state = try ClientState.load(from: dataDirectory)
        let now = UInt32(clamping: Int(Date().timeIntervalSince1970))
        let to = configuration.to ?? now
        var scope = SyncScope(from: min(configuration.since, to), to: to, topics: configuration.topics)
        let previous = state.highWater[scope.topicSet].flatMap { try? EnvelopeKey(hex: $0) }
        if let previous {
            // A resumed sync starts where the last one was complete, whatever `since` says: a
            // phone off for a week must not skip the days between.
            let resume = previous.sent > configuration.resumeOverlap ? previous.sent - configuration.resumeOverlap : 0
            scope.from = min(resume, to)
        }

        var phases: [String: Double] = [:]
        var mark = clock.now
        func lap(_ phase: String) {
            let now = clock.now
            phases[phase] = HistorySync.seconds(now - mark)
            mark = now
        }
        let probes = try await discover(transport: transport, progress: progress)
        lap("discover")
        let before = ProviderRanking(probes.map { report($0, memory: state, measured: nil) })
        let order = before.entries.compactMap { entry in probes.firstIndex { $0.url == entry.url } }
        let usable = order.filter { probes[$0].usable }
        guard !usable.isEmpty else {
            let reasons = probes.flatMap { $0.connection.tally.snapshot.errors.prefix(1) }
            throw .noProviders("none of \(probes.count) provider(s) answered with a verified descriptor"
                               + (reasons.isEmpty ? "" : ": " + reasons.joined(separator: "; ")))
        }

        let listings = await list(probes, order: usable, scope: scope, progress: progress)
        lap("list")
        let asked = listings.keys.sorted { usable.firstIndex(of: $0)! < usable.firstIndex(of: $1)! }
        // At most 64 (a bit each in the union); only replacements for failures can make more.
        let answering = Array(asked.filter { !listings[$0]!.pages.isEmpty }.prefix(64))

        // The union: for each key, which answering providers listed it (a bit per provider).
        var union: [EnvelopeKey: UInt64] = [:]
        for (bit, index) in answering.enumerated() {
            for page in listings[index]!.pages {
                for entry in page.entries { union[entry.key, default: 0] |= 1 << UInt64(bit) }
            }
        }
        let keys = union.keys.sorted()
        let everyone: UInt64 = answering.isEmpty ? 0 : (answering.count == 64 ? .max : (1 << UInt64(answering.count)) - 1)

        // What the local store lacks.
        var missing: [EnvelopeKey] = []
        var start = 0
        while start < keys.count {
            let chunk = keys[start..<min(start + 1000, keys.count)]
            let present: [Bool]
            do {
                present = try store.presence(of: chunk.map(\.hash))
            } catch {
                throw .localStorage("\(error)")
            }
            for (key, held) in zip(chunk, present) where !held { missing.append(key) }
            start += chunk.count
        }

        // Fetch: batches grouped by who listed them.
        let queue = FetchQueue(maximumFailures: configuration.maximumFailures)
        var groups: [UInt64: [EnvelopeKey]] = [:]
        for key in missing { groups[union[key]!, default: []].append(key) }
        for (mask, group) in groups.sorted(by: { $0.value[0] < $1.value[0] }) {
            let candidates = Set(answering.enumerated().filter { mask & (1 << UInt64($0.offset)) != 0 }.map(\.element))
            await queue.add(group, candidates: candidates, size: configuration.batchSize)
        }
        let wanted = Set(missing.lazy.filter { union[$0]! != everyone }.map(\.hash))
        let fetched = try await fetch(probes, providers: answering, queue: queue, total: missing.count, wanted: wanted,
                                      scope: scope, progress: progress)
        // Keys every lister answered without are a listing of nothing (counted against those
        // listers); only keys that could not be asked for hold the sync back.
        let disowned = Set(await queue.disowned)
        let unserved = Set(await queue.unserved).union(disowned)
        lap("fetch")

        // Evidence.
        var written: [Int: Int] = [:]
        var lacking: [Int: Int] = [:]
        var proven: [Int: [ProviderReport.Missing]] = [:]
        var checked = 0
        let omissions = keys.reduce(0) { $0 + (answering.count - union[$1]!.nonzeroBitCount) }
        for (bit, index) in answering.enumerated() {
            let listing = listings[index]!
            // The stored envelopes this provider's list lacks, by the page that vouches for each.
            var byPage: [Int: [Envelope]] = [:]
            for key in keys where union[key]! & (1 << UInt64(bit)) == 0 && !unserved.contains(key) {
                lacking[index, default: 0] += 1
                checked += 1
                if checked % 1000 == 0 { progress(SyncProgress(phase: .evidence, done: checked, total: omissions)) }
                guard let page = HistorySync.page(covering: key, in: listing.pages) else { continue }
                let envelope: Envelope?
                if let kept = fetched.kept[key.hash] {
                    envelope = kept
                } else {
                    do {
                        envelope = try store.envelope(hash: key.hash)
                    } catch {
                        throw .localStorage("\(error)")
                    }
                }
                if let envelope { byPage[page, default: []].append(envelope) }
            }
            for (position, envelopes) in byPage.sorted(by: { $0.key < $1.key }) {
                let page = listing.pages[position]
                let pageKeys = page.keys
                let verdicts = OmissionEvidence.check(receipt: page.receipt, keys: pageKeys, envelopes: envelopes)
                let provenEnvelopes = zip(envelopes, verdicts).filter { $0.1.proven }
                let files = OmissionEvidence.json(receipt: page.receipt, keys: pageKeys, envelopes: provenEnvelopes.map(\.0))
                for ((envelope, verdict), json) in zip(provenEnvelopes, files) {
                    let file = "omission-\(page.receipt.signer)-\(envelope.hash).json"
                    let path = dataDirectory + "/evidence/" + file
                    // An omission proven by an earlier sync counts in the ranking, not as new evidence.
                    if try HistorySync.createNew(path, json) { written[index, default: 0] += 1 }
                    proven[index, default: []].append(ProviderReport.Missing(
                        hash: envelope.hash.description, sent: envelope.sentTime, topic: envelope.topic.description,
                        proven: true, reason: verdict.reason, evidenceFile: file))
                }
            }
        }
        if omissions > 0 { progress(SyncProgress(phase: .evidence, done: checked, total: omissions)) }
        lap("evidence")

        // Resume: advance over what is complete.
        let covered: EnvelopeKey? = answering.compactMap { index -> EnvelopeKey? in
            let listing = listings[index]!
            return listing.complete ? EnvelopeKey.last(sent: scope.to) : listing.pages.last?.next
        }.max()
        var reach = covered
        if let first = unserved.subtracting(disowned).min(), let covered {
            // Complete up to the second before the first envelope that could not be fetched.
            reach = first.sent > scope.from ? min(covered, EnvelopeKey.last(sent: first.sent - 1)) : nil
        }
        var highWater = previous
        if let reach, previous.map({ reach > $0 }) ?? true { highWater = reach }
        if let highWater { state.highWater[scope.topicSet] = highWater.description }

        // Remember, and rank with what this sync measured.
        var reports: [ProviderReport] = []
        for index in order where probes[index].usable {
            let listing = listings[index]
            let completeness: Double? = listing.flatMap { listing in
                guard listing.complete else { return nil }
                let total = keys.count - unserved.count
                return total == 0 ? 1 : Double(total - (lacking[index] ?? 0)) / Double(total)
            }
            var measured = report(probes[index], memory: state,
                                  measured: listing == nil ? nil : (completeness, proven[index] ?? []))
            if let bit = answering.firstIndex(of: index) {
                measured.unservedKeys = disowned.lazy.filter { union[$0]! & (1 << UInt64(bit)) != 0 }.count
            }
            reports.append(measured)
            if let address = probes[index].identity?.address.description, listing != nil {
                var memory = state.providers[address]
                    ?? ClientState.Provider(url: probes[index].url, completeness: nil, provenOmissions: 0, syncs: 0, lastSync: now)
                memory.url = probes[index].url
                if let completeness { memory.completeness = completeness }
                memory.provenOmissions += written[index] ?? 0
                memory.syncs += 1
                memory.lastSync = now
                state.providers[address] = memory
            }
        }
        try state.save(to: dataDirectory)
        let after = ProviderRanking(reports)

        var providers: [SyncSummary.Provider] = []
        let ranked = after.entries.compactMap { entry in probes.firstIndex { $0.url == entry.url } }
        for index in ranked + order.filter({ !ranked.contains($0) }) {
            let probe = probes[index]
            let counts = probe.connection.tally.snapshot
            let listing = listings[index]
            let role = !probe.usable ? "unreachable"
                : listing == nil ? "reserve" : (listing!.complete ? "asked" : listing!.cutOff ? "slow" : "failed")
            providers.append(SyncSummary.Provider(
                url: probe.url, address: probe.identity?.address.description, role: role,
                listed: listing?.count ?? 0, listComplete: listing?.complete ?? false, envelopesGiven: counts.given,
                missing: listing?.complete == true ? lacking[index] ?? 0 : nil, evidenceWritten: written[index] ?? 0,
                latencyMilliseconds: HistorySync.median(counts.light), medianRequestMilliseconds: HistorySync.median(counts.all),
                requests: counts.requests, failures: counts.failures, errors: counts.errors))
        }
        let complete = unserved.count == disowned.count && answering.contains { listings[$0]!.complete }
        return SyncSummary(from: scope.from, to: scope.to, topics: scope.topics.map(\.description), union: keys.count,
                           alreadyHeld: keys.count - missing.count, fetched: fetched.stored,
                           unfetched: unserved.count - disowned.count, listedNotServed: disowned.count,
                           evidenceWritten: written.values.reduce(0, +), complete: complete, highWater: highWater?.description,
                           seconds: HistorySync.seconds(clock.now - started), phaseSeconds: phases, providers: providers,
                           ranking: after.entries)
    }

    /// Every source's candidates, merged by URL, each probed (descriptor, ping) in parallel.
    private func discover(transport: ProviderTransport, progress: @escaping @Sendable (SyncProgress) -> Void)
        async throws(ClientError) -> [Probe] {
        var candidates: [ProviderCandidate] = []
        var failures: [String] = []
        for source in sources {
            do {
                for candidate in try await source.candidates(using: transport) {
                    if let known = candidates.firstIndex(where: { $0.url == candidate.url }) {
                        if candidates[known].identity == nil { candidates[known].identity = candidate.identity }
                    } else {
                        candidates.append(candidate)
                    }
                }
            } catch {
                failures.append("\(source.name): \(error)")
            }
        }
        guard !candidates.isEmpty else {
            throw .noProviders(failures.isEmpty ? "no provider was given" : failures.joined(separator: "; "))
        }
        let samples = configuration.latencySamples
        let total = candidates.count
        let done = Counter()
        return await withTaskGroup(of: (Int, Probe).self) { group in
            for (index, candidate) in candidates.enumerated() {
                group.addTask {
                    let connection = ProviderConnection(url: candidate.url, transport: transport, tally: ProviderTally())
                    var probe = Probe(url: candidate.url, connection: connection, identity: candidate.identity)
                    if probe.identity == nil { probe.identity = try? await connection.descriptor() }
                    if probe.identity != nil {
                        // The first ping decides whether it answers at all; the rest only measure.
                        for sample in 0..<max(1, samples) {
                            let answered = (try? await connection.ping()) != nil
                            if sample == 0 { probe.reachable = answered }
                            if !answered { break }
                        }
                    }
                    progress(SyncProgress(phase: .discovering, done: done.add(1), total: total))
                    return (index, probe)
                }
            }
            var probes = [Probe?](repeating: nil, count: candidates.count)
            for await (index, probe) in group { probes[index] = probe }
            return probes.compactMap { $0 }
        }
    }

    /// The signed hash lists of the best k, a reserve taking the place of each that fails. Once
    /// one list is complete, the others get `slowListFactor` times as long as it took (at least
    /// `minimumListWait`); a provider still listing then is cut off, keeping the pages it gave,
    /// so that one slow provider does not hold up everyone's envelopes.
    private func list(_ probes: [Probe], order: [Int], scope: SyncScope,
                      progress: @escaping @Sendable (SyncProgress) -> Void) async -> [Int: Listing] {
        let listed = Counter()
        let configuration = configuration
        let clock = ContinuousClock()
        let started = clock.now
        enum Event: Sendable {
            case listing(Int, Listing)
            case deadline
        }
        return await withTaskGroup(of: Event.self) { group in
            var next = 0
            var running = 0
            func start() {
                guard next < order.count else { return }
                let index = order[next]
                next += 1
                running += 1
                let probe = probes[index]
                group.addTask {
                    .listing(index, await HistorySync.listing(probe, scope: scope, configuration: configuration) { count in
                        progress(SyncProgress(phase: .listing, done: listed.add(count), total: nil))
                    })
                }
            }
            for _ in 0..<configuration.k { start() }
            var out: [Int: Listing] = [:]
            var deadlineSet = false
            var cutOff = false
            for await event in group {
                switch event {
                case .deadline:
                    cutOff = true
                    group.cancelAll()
                case .listing(let index, var listing):
                    running -= 1
                    listing.cutOff = cutOff && !listing.complete
                    out[index] = listing
                    if !listing.complete, !cutOff { start() }
                    if listing.complete, !deadlineSet {
                        deadlineSet = true
                        let wait = max(HistorySync.minimumListWait, (clock.now - started) * HistorySync.slowListFactor)
                        group.addTask {
                            try? await Task.sleep(for: wait)
                            return .deadline
                        }
                    }
                }
                if running == 0 {
                    group.cancelAll()
                    break
                }
            }
            return out
        }
    }

    /// How much longer than the first complete list the others may take.
    static let slowListFactor = 3.0
    /// The least time the others get after the first list is complete.
    static let minimumListWait: Duration = .seconds(2)

    private static func listing(_ probe: Probe, scope: SyncScope, configuration: Configuration,
                                listed: (Int) -> Void) async -> Listing {
        var listing = Listing()
        guard let identity = probe.identity else { return listing }
        let limit = min(configuration.pageLimit, max(1, identity.descriptor.limits.maximumPageSize))
        var query = HistoryQuery(from: scope.from, to: scope.to, topics: scope.topics, limit: limit)
        while listing.pages.count < configuration.maximumPages, !Task.isCancelled {
            guard let page = try? await probe.connection.hashes(query, signer: identity.address) else { return listing }
            listing.pages.append(page)
            listing.count += page.entries.count
            listed(page.entries.count)
            guard let next = page.next else {
                listing.complete = true
                return listing
            }
            query.cursor = next
        }
        return listing
    }

    /// What the fetch stored, and the envelopes kept for evidence.
    struct Fetched: Sendable {
        var stored = 0
        var kept: [Hash256: Envelope] = [:]
    }

    /// Runs `workersPerProvider` workers for each provider that listed something until the
    /// queue is drained; a store failure ends the sync.
    private func fetch(_ probes: [Probe], providers: [Int], queue: FetchQueue, total: Int, wanted: Set<Hash256>,
                       scope: SyncScope, progress: @escaping @Sendable (SyncProgress) -> Void) async throws(ClientError) -> Fetched {
        let result = Locked(Fetched())
        let store = store
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in providers {
                    let probe = probes[index]
                    guard let identity = probe.identity else { continue }
                    for _ in 0..<configuration.workersPerProvider {
                        group.addTask {
                            try await HistorySync.work(index, probe.connection, minimumPoW: identity.descriptor.minimumPoW,
                                                       queue: queue, store: store, scope: scope) { envelopes, work, stored in
                                let done = result.withLock { fetched -> Int in
                                    fetched.stored += stored
                                    for (envelope, check) in zip(envelopes, work) where wanted.contains(check.hash) {
                                        fetched.kept[check.hash] = envelope
                                    }
                                    return fetched.stored
                                }
                                progress(SyncProgress(phase: .fetching, done: done, total: total))
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch let error as ClientError {
            throw error
        } catch {
            throw .localStorage("\(error)")
        }
        return result.withLock { $0 }
    }

    /// One worker: takes batches this provider listed, fetches, verifies, stores.
    private static func work(_ index: Int, _ connection: ProviderConnection, minimumPoW: Double, queue: FetchQueue,
                             store: EnvelopeStore, scope: SyncScope,
                             stored: @Sendable ([Envelope], [PoWCheck], Int) -> Void) async throws {
        let clock = ContinuousClock()
        while true {
            switch await queue.take(for: index) {
            case .done:
                return
            case .wait:
                try await Task.sleep(for: .milliseconds(10))
            case .batch(let batch):
                let started = clock.now
                let hashes = batch.keys.map(\.hash)
                var asked: [Hash256: EnvelopeKey] = [:]
                asked.reserveCapacity(batch.keys.count)
                for key in batch.keys { asked[key.hash] = key }
                let answer: (envelopes: [Envelope], next: Int?)
                let work: [PoWCheck]
                do {
                    answer = try await connection.envelopes(hashes[...])
                    work = try ServedBatch.verify(answer.envelopes, asked: asked, scope: scope, minimumPoW: minimumPoW,
                                                  url: connection.url + "/v1/sync/envelopes")
                } catch {
                    if case .refusedAnswer = error { connection.tally.refusedBatch(error) }
                    await queue.failed(batch.id, by: index)
                    continue
                }
                let results: [IngestResult]
                do {
                    results = try await store.ingest(answer.envelopes, work: work)
                } catch {
                    throw ClientError.localStorage("\(error)")
                }
                let newlyStored = results.lazy.filter(\.isStored).count
                connection.tally.gave(newlyStored)
                await queue.served(batch.id, by: index, hashes: Set(work.map(\.hash)), next: answer.next,
                                   elapsed: clock.now - started)
                stored(answer.envelopes, work, newlyStored)
            }
        }
    }

    // MARK: Helpers

    /// Writes `bytes` as a new file at `path`; `false` when the file is already there. Evidence
    /// is a plain write (no temporary file and rename): it can be derived again, and a sync
    /// writes a thousand files where one withholder drops a thousand envelopes.
    static func createNew(_ path: String, _ bytes: [UInt8]) throws(ClientError) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        if fd < 0, errno == EEXIST { return false }
        guard fd >= 0 else { throw .localStorage("cannot create \(path): errno \(errno)") }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        #if canImport(Glibc)
        _ = Glibc.close(fd)
        #else
        _ = Darwin.close(fd)
        #endif
        guard written == bytes.count else {
            unlink(path)
            throw .localStorage("cannot write \(path)")
        }
        return true
    }

    /// The position of the page of a provider's list that vouches for `key`, if any (pages in
    /// key order).
    static func page(covering key: EnvelopeKey, in pages: [HashesPage]) -> Int? {
        var low = 0, high = pages.count
        // The first page whose upper end (its next cursor, or the end of the range) reaches the key.
        while low < high {
            let middle = (low + high) / 2
            if let next = pages[middle].next, next < key { low = middle + 1 } else { high = middle }
        }
        guard low < pages.count, pages[low].covers(key) else { return nil }
        return low
    }

    /// A report for the ranking: the probe's measurements, and either what this sync measured
    /// (completeness when its list was read in full, the omissions proven now) or what the
    /// client remembers.
    private func report(_ probe: Probe, memory: ClientState,
                        measured: (completeness: Double?, proven: [ProviderReport.Missing])?) -> ProviderReport {
        let counts = probe.connection.tally.snapshot
        let remembered = probe.identity.flatMap { memory.providers[$0.address.description] }
        var completeness = remembered?.completeness
        var missing: [ProviderReport.Missing] = []
        if let measured {
            completeness = measured.completeness
            missing = measured.proven
        } else if let remembered, remembered.provenOmissions > 0 {
            missing = [ProviderReport.Missing(hash: "", sent: 0, topic: "", proven: true,
                                              reason: "\(remembered.provenOmissions) omission(s) proven in earlier syncs")]
        }
        return ProviderReport(
            url: probe.url, address: probe.identity?.address.description, policy: probe.identity.map(Audit.policy),
            coverage: probe.identity?.descriptor.coverage, errors: counts.errors, requests: counts.requests,
            failures: counts.failures,
            successRate: counts.requests == 0 ? 0 : Double(counts.requests - counts.failures) / Double(counts.requests),
            latencyMilliseconds: HistorySync.median(counts.light), pages: 0, keys: 0,
            answerComplete: completeness != nil, completeness: completeness, unservedKeys: 0, missing: missing)
    }

    static func median(_ durations: [Duration]) -> Double? {
        guard !durations.isEmpty else { return nil }
        let sorted = durations.map { seconds($0) * 1000 }.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// A count shared by the tasks of one phase.
private final class Counter: Sendable {
    private let value = Atomic<Int>(0)

    /// Adds `amount` and returns the new total.
    func add(_ amount: Int) -> Int {
        value.add(amount, ordering: .relaxed).newValue
    }
}

/// A value shared by the tasks of one phase, behind a lock.
private final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    func withLock<T: Sendable>(_ body: (inout sending Value) -> sending T) -> T {
        mutex.withLock(body)
    }
}
