import MailvaultBench
import MailvaultCore
@testable import MailvaultStore
import Testing

/// The simplest archive that could work: a dictionary, sorted on demand. The store must agree
/// with it on every page, cursor, lookup and count.
struct StoreModel {
    var envelopes: [EnvelopeKey: Envelope] = [:]
    let retention: RetentionPolicy
    let compressionLevel: Int32

    func matching(_ query: HistoryQuery) -> [EnvelopeKey] {
        envelopes.keys.filter { key in
            guard key.sent >= query.from, key.sent <= query.to else { return false }
            if let cursor = query.cursor, key <= cursor { return false }
            let topic = envelopes[key]!.topic
            if !query.topics.isEmpty { return query.topics.contains(topic) }
            if let bloom = query.bloom { return bloom.matches(topic.bloom) }
            return true
        }.sorted()
    }

    /// The size of an uncompressed record (`compressionLevel` 0): LEB128 of length << 2 | kind,
    /// pow (a raw record's topic is read from its RLP).
    static func recordSize(_ envelope: Envelope) -> UInt64 {
        let head = envelope.encoded.count << 2
        let leb = head < 128 ? 1 : head < 16384 ? 2 : 3
        return UInt64(leb + envelope.encoded.count)
    }

    mutating func sweep(now: UInt32) {
        let tiers = retention.tiers.sorted { ($0.minimumPoW, $0.maximumAge) < ($1.minimumPoW, $1.maximumAge) }
        for (key, envelope) in envelopes {
            let pow = Double(Float(envelope.pow()))
            var age = retention.maximumAge
            for tier in tiers where pow >= tier.minimumPoW { age = tier.maximumAge }
            if now > age, key.sent < now - age { envelopes[key] = nil }
        }
        if let maximum = retention.maximumBytes {
            var total = envelopes.values.reduce(0) { $0 + StoreModel.recordSize($1) }
            for key in envelopes.keys.sorted() where total > maximum {
                total -= StoreModel.recordSize(envelopes[key]!)
                envelopes[key] = nil
            }
        }
    }
}

@Suite("EnvelopeStore against a model", .serialized)
struct EnvelopeStoreModelTests {
    static let configurations: [(String, StoreConfiguration)] = [
        ("30-day default, zstd", StoreConfiguration(compressionLevel: 3, retention: RetentionPolicy(maximumAge: 3000),
                                                    initialMapBytes: 1 << 20)),
        ("PoW tiers and a size cap, raw", StoreConfiguration(
            compressionLevel: 0,
            retention: RetentionPolicy(maximumAge: 2000,
                                       tiers: [RetentionTier(minimumPoW: 0.0001, maximumAge: 4000),
                                               RetentionTier(minimumPoW: 0.0005, maximumAge: 9000)],
                                       maximumBytes: 40_000),
            initialMapBytes: 1 << 20)),
        // The first sweep (or reopen) with 40 compressible records trains a dictionary; later
        // sweeps move records compressed with it out of sparse blocks.
        ("zstd dictionary", StoreConfiguration(
            compressionLevel: 3, retention: RetentionPolicy(maximumAge: 3000),
            initialMapBytes: 1 << 20,
            dictionary: DictionaryPolicy(maximumBytes: 2048, samples: 200, minimumSamples: 40))),
    ]

    @Test("random ingest / paged query / sweep / reopen sequences agree with the model",
          arguments: [0, 1, 2])
    func modelAgreement(configurationIndex: Int) async throws {
        let (_, configuration) = EnvelopeStoreModelTests.configurations[configurationIndex]
        let directory = TemporaryDirectory("model")
        // Compaction continues the sequence on a compacted copy in a directory of its own.
        var directories = [directory]
        defer { for directory in directories { directory.remove() } }
        var random = SplitMix64(seed: 0x5EED_0000 + UInt64(configurationIndex))
        var factory = EnvelopeFactory(seed: 42 + UInt64(configurationIndex))
        var model = StoreModel(retention: configuration.retention, compressionLevel: configuration.compressionLevel)
        var store = try EnvelopeStore.open(at: directory.path, configuration: configuration)
        // Draws for the key-range checks and the crowds, apart from the sequence's own draws.
        var syncRandom = SplitMix64(seed: 0x5C_0000 + UInt64(configurationIndex))
        var rangesChecked = 0
        var clock: UInt32 = 100_000
        var pagesChecked = 0
        var swept = SweepReport()
        var highestRunLevel: UInt8 = 0

        for _ in 0..<160 {
            switch random.next() % 10 {
            case 0...3:
                // Ingest a batch: new envelopes around the clock, some re-sent, some repeated.
                var batch: [Envelope] = []
                let size = Int(random.next() % 40) + 1
                for _ in 0..<size {
                    let roll = random.next() % 10
                    if roll == 0, let old = model.envelopes.values.randomElement(using: &random) {
                        batch.append(old)
                    } else if roll == 1, let previous = batch.last {
                        batch.append(previous)
                    } else {
                        let sent = clock - UInt32(random.next() % 1500)
                        batch.append(factory.envelope(sent: sent))
                    }
                }
                if syncRandom.next() % 3 == 0 {
                    // A crowd sharing one sent time: on a 64-second bucket edge, just before
                    // one, or anywhere.
                    let edge = (clock - UInt32(syncRandom.next() % 1500)) / 64 * 64
                    let sent = [edge, edge - 1, edge + UInt32(syncRandom.next() % 64)][Int(syncRandom.next() % 3)]
                    batch += (0..<(Int(syncRandom.next() % 60) + 5)).map { _ in factory.envelope(sent: sent, maximumLength: 80) }
                }
                var expected: [IngestResult] = []
                var seen = Set(model.envelopes.keys)
                for envelope in batch {
                    let key = envelope.storeKey
                    expected.append(seen.contains(key) ? .duplicate(key.hash) : .stored(key.hash))
                    seen.insert(key)
                    model.envelopes[key] = envelope
                }
                let results = try await store.ingest(batch)
                #expect(results == expected)
                clock += UInt32(random.next() % 200)
            case 4...6:
                pagesChecked += try checkPagedQuery(store: store, model: model, clock: clock, random: &random)
            case 7:
                clock += UInt32(random.next() % 1500)
                let before = model.envelopes.count
                let report = try await store.sweep(now: clock, batch: Int(random.next() % 50) + 1)
                model.sweep(now: clock)
                #expect(report.expired + report.evicted == before - model.envelopes.count)
                swept.expired += report.expired
                swept.evicted += report.evicted
                swept.relocated += report.relocated
                swept.blocksFreed += report.blocksFreed
            case 8:
                if syncRandom.next() % 2 == 0 {
                    // Go on with a compacted copy (what `compact -o` and in-place compaction write).
                    let copy = TemporaryDirectory("model-compacted")
                    directories.append(copy)
                    try store.compact(to: copy.path)
                    store.close()
                    store = try EnvelopeStore.open(at: copy.path, configuration: configuration)
                } else {
                    store.close()
                    store = try EnvelopeStore.open(at: store.directory, configuration: configuration)
                }
            default:
                try checkLookups(store: store, model: model, random: &random, factory: &factory, clock: clock)
            }
            let dbs = store.dbs
            let runs = try store.environment.read { (txn) throws(StoreError) in try IndexRuns.runs(txn, dbs) }
            highestRunLevel = max(highestRunLevel, runs.map(\.level).max() ?? 0)
            let stats = try store.stats()
            #expect(stats.envelopes == model.envelopes.count)
            #expect(stats.topics == Set(model.envelopes.values.map(\.topic)).count)
            #expect(stats.oldestSent == model.envelopes.keys.min()?.sent)
            #expect(stats.newestSent == model.envelopes.keys.max()?.sent)
            #expect(stats.rawBytes == model.envelopes.values.reduce(0) { $0 + UInt64($1.encoded.count) })
            if configuration.compressionLevel == 0 {
                #expect(stats.storedBytes == model.envelopes.values.reduce(0) { $0 + StoreModel.recordSize($1) })
            }
            try store.expectSyncBucketsExact()
            rangesChecked += try checkKeyRanges(store: store, model: model, clock: clock, random: &syncRandom)
        }
        #expect(rangesChecked > 500)
        #expect(pagesChecked > 50)
        // The sequence exercised what it claims to: expiry, freeing, and for the tiered
        // configuration eviction and relocation of sparse blocks.
        #expect(swept.expired > 0)
        #expect(swept.blocksFreed > 0)
        // Index runs were merged (level 1 and up), so lookups and topic queries were checked
        // against merged runs as well as fresh ones (IndexRunsTests reaches level 2).
        #expect(highestRunLevel >= 1)
        if configuration.retention.maximumBytes != nil {
            #expect(swept.evicted > 0)
            #expect(swept.relocated > 0)
        }
        if configuration.dictionary != nil {
            #expect(store.codec.dictionaryInUse != nil)
            #expect(swept.relocated > 0)
        }
        // Everything left is readable, with the right bytes.
        let everything = try pageThrough(store: store, query: HistoryQuery(limit: 1000))
        #expect(everything.map(\.storeKey) == model.envelopes.keys.sorted())
        #expect(everything == model.envelopes.keys.sorted().map { model.envelopes[$0]! })
        store.close()
    }

    /// A random query paged to the end; every page, cursor and hashes-only page must match.
    func checkPagedQuery(store: EnvelopeStore, model: StoreModel, clock: UInt32,
                         random: inout SplitMix64) throws -> Int {
        let a = clock - UInt32(random.next() % 6000)
        let b = clock - UInt32(random.next() % 6000)
        var query = HistoryQuery(from: min(a, b), to: max(a, b), limit: Int(random.next() % 25) + 1)
        let topicsInUse = EnvelopeFactory(seed: 0).topics
        switch random.next() % 5 {
        case 0:
            query.topics = (0..<(Int(random.next() % 3) + 1)).map { _ in topicsInUse.randomElement(using: &random)! }
            if random.next() % 2 == 0 { query.topics.append(Topic(rawValue: 0xDEAD_BEEF)) }
            query.bloom = Bloom(topics: [topicsInUse[0]])  // ignored: topics win
        case 1:
            query.bloom = Bloom(topics: (0..<2).map { _ in topicsInUse.randomElement(using: &random)! })
        case 2:
            query.bloom = .full
        case 3:
            query.bloom = Bloom.empty
        default:
            break
        }
        if random.next() % 4 == 0 {
            // Start from an arbitrary cursor, not one the store returned.
            query.cursor = EnvelopeKey(sent: query.from + UInt32(random.next() % 100),
                                       hash: Hash256(w0: random.next(), w1: 0, w2: 0, w3: 0))
        }
        var expected = model.matching(query)
        var pages = 0
        while true {
            let page = try store.query(query)
            let hashes = try store.hashes(query)
            let want = Array(expected.prefix(query.limit))
            #expect(page.envelopes.map(\.storeKey) == want)
            #expect(page.envelopes == want.map { model.envelopes[$0]! })
            #expect(page.entries.map(\.key) == want)
            #expect(hashes.entries == want.map { HistoryEntry(key: $0, topic: model.envelopes[$0]!.topic) })
            let more = expected.count > query.limit
            #expect(page.next == (more ? want.last : nil))
            #expect(hashes.next == page.next)
            pages += 1
            guard let next = page.next, pages < 200 else { break }
            query.cursor = next
            expected = Array(expected.dropFirst(query.limit))
        }
        return pages
    }

    /// Random key ranges (bounds on stored keys, on bucket edges, anywhere, open above): their
    /// summaries, keys and splits must agree with the model's keys.
    func checkKeyRanges(store: EnvelopeStore, model: StoreModel, clock: UInt32,
                        random: inout SplitMix64) throws -> Int {
        let keys = model.envelopes.keys.sorted()
        func bound() -> EnvelopeKey {
            let sent = clock - UInt32(random.next() % 8000)
            switch random.next() % 4 {
            case 0 where !keys.isEmpty: return keys[Int(random.next() % UInt64(keys.count))]
            case 1: return EnvelopeKey.first(sent: sent / 64 * 64)
            case 2: return EnvelopeKey.first(sent: sent)
            default: return EnvelopeKey(sent: sent, hash: Hash256(w0: random.next(), w1: random.next(), w2: 0, w3: 0))
            }
        }
        for _ in 0..<4 {
            var lower = random.next() % 8 == 0 ? EnvelopeKey.first(sent: 0) : bound()
            var upper: EnvelopeKey? = random.next() % 5 == 0 ? nil : bound()
            if let other = upper, other < lower { (lower, upper) = (other, lower) }
            let inside = keys.filter { key in key >= lower && upper.map { key < $0 } ?? true }
            #expect(try store.keySummary(from: lower, to: upper) == expectedSummary(inside))
            let limit = Int(random.next() % 50)
            #expect(try store.keys(from: lower, to: upper, limit: limit) == Array(inside.prefix(limit)))
            let parts = Int(random.next() % 16) + 1
            let bounds = try store.splitKeys(from: lower, to: upper, parts: parts)
            expectBalancedSplit(bounds, of: inside, lower: lower, upper: upper, parts: parts, stored: Set(keys))
        }
        return 4
    }

    func checkLookups(store: EnvelopeStore, model: StoreModel, random: inout SplitMix64,
                      factory: inout EnvelopeFactory, clock: UInt32) throws {
        let present = Array(model.envelopes.values.shuffled(using: &random).prefix(10))
        let absent = (0..<5).map { _ in factory.envelope(sent: clock) }
        for envelope in present { #expect(try store.envelope(hash: envelope.hash) == envelope) }
        for envelope in absent { #expect(try store.envelope(hash: envelope.hash) == nil) }
        let probe = (present + absent).map(\.hash)
        #expect(try store.presence(of: probe) == present.map { _ in true } + absent.map { _ in false })
    }

    func pageThrough(store: EnvelopeStore, query: HistoryQuery) throws -> [Envelope] {
        var query = query
        var all: [Envelope] = []
        while true {
            let page = try store.query(query)
            all += page.envelopes
            guard let next = page.next else { return all }
            query.cursor = next
        }
    }
}


/// Checks a split of the range `[lower, upper)` holding `inside`: ascending bounds strictly inside
/// the range, each a stored key or a 64-second bucket edge, and with at least as many keys as
/// parts, exactly `parts - 1` bounds whose parts are each within half a part of the ideal.
func expectBalancedSplit(_ bounds: [EnvelopeKey], of inside: [EnvelopeKey], lower: EnvelopeKey, upper: EnvelopeKey?,
                         parts: Int, stored: Set<EnvelopeKey>, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(bounds.count <= max(0, parts - 1), sourceLocation: sourceLocation)
    #expect(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, sourceLocation: sourceLocation)
    #expect(bounds.allSatisfy { bound in bound > lower && upper.map { bound < $0 } ?? true }, sourceLocation: sourceLocation)
    #expect(bounds.allSatisfy { stored.contains($0) || ($0 == .first(sent: $0.sent) && $0.sent % 64 == 0) },
            sourceLocation: sourceLocation)
    guard inside.count >= parts else { return }
    #expect(bounds.count == parts - 1, sourceLocation: sourceLocation)
    var sizes: [Int] = []
    var rest = inside[...]
    for bound in bounds + [nil] as [EnvelopeKey?] {
        let size = bound.map { bound in rest.prefix { $0 < bound }.count } ?? rest.count
        sizes.append(size)
        rest = rest.dropFirst(size)
    }
    let ideal = Double(inside.count) / Double(parts)
    #expect(sizes.allSatisfy { abs(Double($0) - ideal) <= ideal / 2 + 2 }, "parts \(sizes), ideal \(ideal)",
            sourceLocation: sourceLocation)
}
