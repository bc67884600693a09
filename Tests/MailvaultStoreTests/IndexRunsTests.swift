import CLMDB
import Foundation
import MailvaultCore
import MailvaultTestSupport
@testable import MailvaultStore
import Testing

@Suite("Index runs (topic and hash indexes as merged runs)")
struct IndexRunsTests {
    @Test("merging sorted runs equals sorting their union, with exact repeats dropped")
    func mergeEqualsSort() {
        var random = SplitMix64(seed: 3)
        for _ in 0..<50 {
            let lists = (0..<Int(random.next() % 6)).map { _ in
                (0..<Int(random.next() % 40)).map { _ in
                    HashIndexEntry(prefix: UInt32(random.next() % 5), sent: UInt32(random.next() % 4))
                }.sorted()
            }
            var plain: [HashIndexEntry] = []
            for entry in lists.joined().sorted() where plain.last != entry { plain.append(entry) }
            #expect(IndexRuns.merge(lists) == plain)
            #expect(IndexRuns.sortedDistinct(Array(lists.joined()).shuffled()) == plain)
        }
    }

    @Test("index entries sort as their bytes do (LMDB orders the values with memcmp)")
    func entriesSortAsBytes() {
        var random = SplitMix64(seed: 5)
        let topics = (0..<200).map { _ in
            TopicIndexEntry(topic: Topic(rawValue: UInt32(random.next() % 3) << 30 | UInt32(random.next() % 2)),
                            key: EnvelopeKey(sent: UInt32(random.next() % 3) << 31,
                                             hash: Hash256(w0: (random.next() % 2) << 63, w1: random.next(),
                                                           w2: random.next(), w3: random.next())))
        }
        #expect(topics.sorted().map(\.bytes) == topics.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) })
        for entry in topics {
            #expect(entry.bytes == [UInt8](entry.topic.bytes) + BigEndian.bytes(entry.sent) + BigEndian.bytes(entry.prefix))
            #expect(entry.bytes.withUnsafeBytes { TopicIndexEntry(raw: $0) } == entry)
        }
        let version3 = topics.map { Version3TopicIndexEntry(topic: $0.topic, key: EnvelopeKey(sent: $0.sent, hash: Hash256(
            w0: $0.prefix, w1: random.next(), w2: random.next(), w3: random.next()))) }
        #expect(version3.sorted().map(\.bytes) == version3.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) })
        for entry in version3 {
            #expect(entry.bytes == [UInt8](entry.topic.bytes) + entry.key.bytes)
            #expect(entry.bytes.withUnsafeBytes { Version3TopicIndexEntry(raw: $0) } == entry)
            // Cutting a version 3 entry keeps its order relative to the others.
            #expect(TopicIndexEntry(topic: entry.topic, key: entry.key).keyPrefix == KeyPrefix(entry.key))
        }
        let cut = version3.sorted().map { TopicIndexEntry(topic: $0.topic, key: $0.key) }
        #expect(zip(cut, cut.dropFirst()).allSatisfy { !($1 < $0) })
        let hashes = (0..<200).map { _ in
            HashIndexEntry(prefix: UInt32(truncatingIfNeeded: random.next()), sent: UInt32(truncatingIfNeeded: random.next()))
        }
        #expect(hashes.sorted().map(\.bytes) == hashes.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) })
        for entry in hashes {
            #expect(entry.bytes == BigEndian.bytes(entry.prefix) + BigEndian.bytes(entry.sent))
            #expect(entry.bytes.withUnsafeBytes { HashIndexEntry(raw: $0) } == entry)
        }
    }

    @Test("lookups, presence, dedupe and topic queries hold after every commit, merge, reopen and sweep")
    func lookupsAcrossMerges() async throws {
        let directory = TemporaryDirectory("runs")
        defer { directory.remove() }
        var store = try EnvelopeStore.open(at: directory.path)
        var factory = EnvelopeFactory(seed: 21, topicCount: 5)
        var stored: [Envelope] = []
        // fanIn² + fanIn + 3 commits: one level-2 run, one level-1 run and three level-0 runs.
        let commits = IndexRuns.fanIn * IndexRuns.fanIn + IndexRuns.fanIn + 3
        for batch in 0..<commits {
            let envelopes = (0..<25).map { factory.envelope(sent: UInt32(10_000 + batch * 10 + $0 % 10), maximumLength: 200) }
            #expect(try await store.ingest(envelopes).allSatisfy(\.isStored))
            stored += envelopes
            // Right after the commit (whatever merges it triggered), everything is found.
            #expect(try store.presence(of: stored.map(\.hash)).allSatisfy { $0 })
            #expect(try store.envelope(hash: envelopes[0].hash) == envelopes[0])
            #expect(try await store.ingest(Array(stored.suffix(30))).allSatisfy { !$0.isStored })
            if batch == commits / 2 {
                store.close()
                store = try EnvelopeStore.open(at: directory.path)
            }
        }
        let runs = try runDirectory(store)
        #expect(runs.map(\.level) == [2, 1, 0, 0, 0])
        for topic in factory.topics {
            let page = try store.query(HistoryQuery(topics: [topic], limit: 1000))
            #expect(page.envelopes.map(\.storeKey) == stored.filter { $0.topic == topic }.map(\.storeKey).sorted())
        }
        #expect(try store.stats().topics == factory.topics.count)
        #expect(try store.presence(of: [Hash256.zero]) == [false])

        // Expire all but the last three commits: their entries leave every run; the rest stay
        // reachable.
        let cutoff = UInt32(10_000 + (commits - 3) * 10)
        let report = try await store.sweep(now: cutoff + RetentionPolicy().maximumAge)
        #expect(report.expired == stored.filter { $0.sentTime < cutoff }.count)
        let (gone, kept) = (stored.filter { $0.sentTime < cutoff }, stored.filter { $0.sentTime >= cutoff })
        #expect(try store.presence(of: gone.map(\.hash)).allSatisfy { !$0 })
        #expect(try store.presence(of: kept.map(\.hash)).allSatisfy { $0 })
        let all = try store.hashes(HistoryQuery(topics: factory.topics, limit: 1000))
        #expect(all.entries.map(\.key) == kept.map(\.storeKey).sorted())
        // The runs that held only expired envelopes were dropped.
        #expect(try runDirectory(store).count < runs.count)
        // A removed envelope can come back.
        #expect(try await store.ingest([gone[0]]) == [.stored(gone[0].hash)])
        #expect(try store.envelope(hash: gone[0].hash) == gone[0])
        store.close()
    }

    @Test("runs of a single entry (commits of one envelope) merge without losing it")
    func singleEntryRunsMerge() async throws {
        let directory = TemporaryDirectory("single")
        defer { directory.remove() }
        let store = try EnvelopeStore.open(at: directory.path)
        var factory = EnvelopeFactory(seed: 31)
        var stored: [Envelope] = []
        for index in 0..<IndexRuns.fanIn * IndexRuns.fanIn + 3 {
            let envelope = factory.envelope(sent: UInt32(20_000 + index))
            _ = try await store.ingest([envelope])
            stored.append(envelope)
            #expect(try store.presence(of: stored.map(\.hash)).allSatisfy { $0 })
        }
        let all = try store.hashes(HistoryQuery(topics: factory.topics, limit: 1000))
        #expect(all.entries.map(\.key) == stored.map(\.storeKey).sorted())
        store.close()
    }

    @Test("a version 1 store is migrated at open: its indexes become one run, every lookup still works")
    func migratesVersion1() async throws {
        let directory = TemporaryDirectory("migrate")
        defer { directory.remove() }
        var factory = EnvelopeFactory(seed: 23)
        let envelopes = (0..<300).map { factory.envelope(sent: UInt32(5000 + $0 / 3)) }
        do {
            let store = try EnvelopeStore.open(at: directory.path)
            _ = try await store.ingest(envelopes)
            try LegacyStores.rewriteAsVersion3(store)
            try rewriteAsVersion1(store)
            store.close()
        }
        let store = try EnvelopeStore.open(at: directory.path)
        #expect(try store.stats().schemaVersion == Schema.version)
        #expect(try runDirectory(store) == [IndexRuns.Run(id: 0, level: IndexRuns.maximumLevel)])
        #expect(try store.presence(of: envelopes.map(\.hash)).allSatisfy { $0 })
        for topic in factory.topics {
            let page = try store.query(HistoryQuery(topics: [topic], limit: 1000))
            #expect(page.envelopes.map(\.storeKey) == envelopes.filter { $0.topic == topic }.map(\.storeKey).sorted())
        }
        let dbs = store.dbs
        try store.environment.read { (txn) throws(StoreError) in
            #expect(try txn.openExisting(Schema.version1IndexNames.topics, flags: 0) == nil)
            #expect(try txn.openExisting(Schema.version1IndexNames.hashes, flags: 0) == nil)
            #expect(try txn.count(dbs.topics) == envelopes.count)
        }
        // New commits add runs after the migrated one.
        let more = (0..<10).map { factory.envelope(sent: UInt32(9000 + $0)) }
        _ = try await store.ingest(more)
        #expect(try store.presence(of: (envelopes + more).map(\.hash)).allSatisfy { $0 })
        store.close()
    }

    @Test("a version 2 store is migrated at open: each run keeps its number and level, every lookup still works")
    func migratesVersion2() async throws {
        let directory = TemporaryDirectory("migrate2")
        defer { directory.remove() }
        var factory = EnvelopeFactory(seed: 29, topicCount: 7)
        var envelopes: [Envelope] = []
        let runs: [IndexRuns.Run]
        do {
            let store = try EnvelopeStore.open(at: directory.path)
            for batch in 0..<9 {
                let more = (0..<40).map { factory.envelope(sent: UInt32(7000 + batch * 20 + $0 / 2)) }
                _ = try await store.ingest(more)
                envelopes += more
            }
            runs = try runDirectory(store)
            try LegacyStores.rewriteAsVersion3(store)
            try rewriteAsVersion2(store)
            store.close()
        }
        #expect(runs.count > 1)
        let store = try EnvelopeStore.open(at: directory.path)
        #expect(try store.stats().schemaVersion == Schema.version)
        #expect(try runDirectory(store) == runs)
        #expect(try store.presence(of: envelopes.map(\.hash)).allSatisfy { $0 })
        #expect(try store.envelope(hash: envelopes[17].hash) == envelopes[17])
        #expect(try store.stats().topics == factory.topics.count)
        for topic in factory.topics {
            let page = try store.query(HistoryQuery(topics: [topic], limit: 1000))
            #expect(page.envelopes.map(\.storeKey) == envelopes.filter { $0.topic == topic }.map(\.storeKey).sorted())
        }
        let dbs = store.dbs
        try store.environment.read { (txn) throws(StoreError) in
            #expect(try txn.openExisting(Schema.version2IndexNames.topics, flags: 0) == nil)
            #expect(try txn.openExisting(Schema.version2IndexNames.hashes, flags: 0) == nil)
            #expect(try txn.count(dbs.topics) == envelopes.count)
        }
        // Later commits merge with the migrated runs.
        for batch in 0..<4 {
            let more = (0..<10).map { factory.envelope(sent: UInt32(9000 + batch * 10 + $0)) }
            _ = try await store.ingest(more)
            envelopes += more
        }
        #expect(try store.presence(of: envelopes.map(\.hash)).allSatisfy { $0 })
        let all = try store.hashes(HistoryQuery(topics: factory.topics, limit: 1000))
        #expect(all.entries.map(\.key) == envelopes.map(\.storeKey).sorted())
        store.close()
    }

    @Test("a version 3 store is migrated at open: topic entries are cut to 16 bytes, old blocks keep their records")
    func migratesVersion3() async throws {
        let directory = TemporaryDirectory("migrate3")
        defer { directory.remove() }
        var factory = EnvelopeFactory(seed: 37, topicCount: 6)
        var random = SplitMix64(seed: 38)
        var envelopes: [Envelope] = []
        let runs: [IndexRuns.Run]
        var before: (schema: UInt32, envelopes: Int, rawBytes: UInt64, storedBytes: UInt64, blocks: Int) = (0, 0, 0, 0, 0)
        do {
            let store = try EnvelopeStore.open(at: directory.path)
            for _ in 0..<9 {
                // Sent times spread over the whole range, so that every block mixes old and new.
                let more = (0..<120).map { _ in factory.envelope(sent: UInt32(10_000 + random.next() % 1000), maximumLength: 1500) }
                _ = try await store.ingest(more)
                envelopes += more
            }
            runs = try runDirectory(store)
            try LegacyStores.rewriteAsVersion3(store)
            // Read from the databases: the store's own reads expect version 4's layout.
            let dbs = store.dbs
            before = try store.environment.read { (txn) throws(StoreError) in
                let counters = try ReadSnapshot(txn: txn, dbs: dbs).counters()
                return (BigEndian.uint32(try txn.get(dbs.meta, Schema.Meta.schema)!), Int(counters.count),
                        counters.rawBytes, counters.storedBytes, try txn.count(dbs.blocks))
            }
            store.close()
        }
        #expect(before.schema == 3)
        let store = try EnvelopeStore.open(at: directory.path)
        let stats = try store.stats()
        #expect(stats.schemaVersion == Schema.version)
        #expect((stats.envelopes, stats.rawBytes, stats.storedBytes) == (before.envelopes, before.rawBytes, before.storedBytes))
        #expect(store.blockFormats.firstVersion4Block == UInt32(before.blocks))
        #expect(try runDirectory(store) == runs)
        let dbs = store.dbs
        try store.environment.read { (txn) throws(StoreError) in
            #expect(try txn.count(dbs.topics) == envelopes.count)
            // The block that was open is closed: new records go to version 4 blocks.
            #expect(try txn.get(dbs.meta, Schema.Meta.openBlock) == nil)
        }
        func checkAll(_ kept: [Envelope]) throws {
            #expect(try store.presence(of: kept.map(\.hash)).allSatisfy { $0 })
            for topic in factory.topics {
                let page = try store.query(HistoryQuery(topics: [topic], limit: 1000))
                let expected = kept.filter { $0.topic == topic }.sorted { $0.storeKey < $1.storeKey }
                #expect(page.envelopes == expected)
            }
            let filter = Bloom(topics: Array(factory.topics.prefix(2)))
            let bloom = try store.hashes(HistoryQuery(bloom: filter, limit: 1000))
            #expect(bloom.entries.map(\.key)
                == kept.filter { filter.matches($0.topic.bloom) }.map(\.storeKey).sorted())
        }
        try checkAll(envelopes)
        #expect(try store.envelope(hash: envelopes[5].hash) == envelopes[5])

        // New records land in version 4 blocks next to the old ones.
        let more = (0..<50).map { _ in factory.envelope(sent: UInt32(10_000 + random.next() % 1000), maximumLength: 1500) }
        _ = try await store.ingest(more)
        envelopes += more
        try checkAll(envelopes)
        // Expiring most of every block compacts the old blocks: their live records move, re-encoded.
        let cutoff: UInt32 = 10_850
        let report = try await store.sweep(now: cutoff + RetentionPolicy().maximumAge)
        let kept = envelopes.filter { $0.sentTime >= cutoff }
        #expect(report.expired == envelopes.count - kept.count)
        #expect(report.relocated > 0)
        try checkAll(kept)
        let after = try store.stats()
        #expect(after.envelopes == kept.count)
        #expect(after.rawBytes == kept.reduce(0) { $0 + UInt64($1.encoded.count) })
        store.close()
        let reopened = try EnvelopeStore.open(at: directory.path)
        #expect(try reopened.presence(of: kept.map(\.hash)).allSatisfy { $0 })
        #expect(try reopened.stats().storedBytes == after.storedBytes)
        reopened.close()
    }

    @Test("a read-only open of an older schema is refused instead of misread")
    func readOnlyOlderSchema() async throws {
        let directory = TemporaryDirectory("readonly3")
        defer { directory.remove() }
        var factory = EnvelopeFactory(seed: 39)
        do {
            let store = try EnvelopeStore.open(at: directory.path)
            _ = try await store.ingest((0..<20).map { factory.envelope(sent: UInt32(100 + $0)) })
            try LegacyStores.rewriteAsVersion3(store)
            store.close()
        }
        #expect(throws: StoreError.needsMigration(directory: directory.path, version: 3)) {
            _ = try EnvelopeStore.open(at: directory.path, configuration: StoreConfiguration(readOnly: true))
        }
        try EnvelopeStore.open(at: directory.path).close()
        let store = try EnvelopeStore.open(at: directory.path, configuration: StoreConfiguration(readOnly: true))
        #expect(try store.stats().envelopes == 20)
        store.close()
    }

    @Test("a version 4 store is migrated at open: its topic directory is built from the runs")
    func migratesVersion4() async throws {
        let directory = TemporaryDirectory("migrate4")
        defer { directory.remove() }
        var factory = EnvelopeFactory(seed: 41, topicCount: 40)
        var envelopes: [Envelope] = []
        do {
            let store = try EnvelopeStore.open(at: directory.path)
            for batch in 0..<12 {
                let more = (0..<60).map { factory.envelope(sent: UInt32(3000 + batch * 30 + $0 / 2)) }
                _ = try await store.ingest(more)
                envelopes += more
            }
            try LegacyStores.rewriteAsVersion4(store)
            store.close()
        }
        #expect(throws: StoreError.needsMigration(directory: directory.path, version: 4)) {
            _ = try EnvelopeStore.open(at: directory.path, configuration: StoreConfiguration(readOnly: true))
        }
        let store = try EnvelopeStore.open(at: directory.path)
        let stats = try store.stats()
        #expect(stats.schemaVersion == Schema.version)
        #expect(stats.topics == Set(envelopes.map(\.topic)).count)
        #expect(try directoryTopics(store) == Set(envelopes.map(\.topic)))
        for size in [1, 3, 7] {
            let filter = Bloom(topics: factory.topics.shuffled(using: &factory.random).prefix(size))
            let page = try store.hashes(HistoryQuery(bloom: filter, limit: 1000))
            #expect(page.entries.map(\.key)
                == envelopes.filter { filter.matches($0.topic.bloom) }.map(\.storeKey).sorted())
        }
        store.close()
    }

    @Test("the topic directory holds exactly the stored topics through ingest, sweeps and reopening")
    func topicDirectoryExact() async throws {
        let directory = TemporaryDirectory("directory")
        defer { directory.remove() }
        var factory = EnvelopeFactory(seed: 43, topicCount: 12)
        var store = try EnvelopeStore.open(at: directory.path)
        // Each topic lives in its own stretch of time, so age sweeps remove topics one by one.
        var envelopes: [Envelope] = []
        for (index, topic) in factory.topics.enumerated() {
            let more = (0..<25).map { factory.envelope(sent: UInt32(50_000 + index * 100 + $0), topic: topic) }
            _ = try await store.ingest(more)
            envelopes += more
        }
        #expect(try directoryTopics(store) == Set(factory.topics))
        for (index, cutoff) in [50_100, 50_450, 50_460, 51_000].enumerated() {
            _ = try await store.sweep(now: UInt32(cutoff) + RetentionPolicy().maximumAge)
            let kept = envelopes.filter { $0.sentTime >= UInt32(cutoff) }
            #expect(try directoryTopics(store) == Set(kept.map(\.topic)), "cutoff \(cutoff)")
            #expect(try store.stats().topics == Set(kept.map(\.topic)).count)
            let filter = Bloom(topics: factory.topics)
            #expect(try store.hashes(HistoryQuery(bloom: filter, limit: 1000)).entries.count == kept.count)
            if index == 1 {
                // A swept topic comes back with a new envelope, after a reopen too.
                store.close()
                store = try EnvelopeStore.open(at: directory.path)
                let back = factory.envelope(sent: 52_000, topic: factory.topics[0])
                _ = try await store.ingest([back])
                envelopes.append(back)
                #expect(try directoryTopics(store).contains(factory.topics[0]))
                #expect(try store.hashes(HistoryQuery(bloom: factory.topics[0].bloom, limit: 1000)).entries
                    .map(\.hash).contains(back.hash))
            }
        }
        store.close()
    }

    @Test("a topic another writer took out of the directory is put back with this writer's next envelope of it")
    func topicDirectoryAfterAnotherWriterPrunes() async throws {
        let directory = TemporaryDirectory("directory2")
        defer { directory.remove() }
        var factory = EnvelopeFactory(seed: 47, topicCount: 3)
        let (a, b) = (factory.topics[0], factory.topics[1])
        let store = try EnvelopeStore.open(at: directory.path)
        let first = [factory.envelope(sent: 100, topic: a), factory.envelope(sent: 101, topic: a),
                     factory.envelope(sent: 102, topic: b)]
        _ = try await store.ingest(first)
        // Another process's writer (a transaction with a cache of its own) removes topic a.
        let (dbs, codec, capacity) = (store.dbs, store.codec, store.blockCapacity)
        try store.environment.write { (txn) throws(StoreError) in
            let context = try WriteContext(txn: txn, dbs: dbs, codec: codec, retention: RetentionPolicy(),
                                           blockCapacity: capacity, knownTopics: KnownTopics())
            for envelope in first.prefix(2) { try context.remove(key: envelope.storeKey) }
            try context.finish()
        }
        #expect(try directoryTopics(store) == [b])
        // This store's writer had seen a committed; it must not trust that any more.
        let back = factory.envelope(sent: 200, topic: a)
        _ = try await store.ingest([back])
        #expect(try directoryTopics(store) == [a, b])
        #expect(try store.hashes(HistoryQuery(bloom: a.bloom, limit: 10)).entries.map(\.hash).contains(back.hash))
        store.close()
    }

    private func directoryTopics(_ store: EnvelopeStore) throws -> Set<Topic> {
        let dbs = store.dbs
        return try store.environment.read { (txn) throws(StoreError) in
            var topics: Set<Topic> = []
            let cursor = try txn.cursor(dbs.topicDirectory)
            var entry = try cursor.get(MDB_FIRST)
            while let current = entry {
                #expect(current.key.count == TopicDirectory.keyByteCount)
                let topic = Topic(rawValue: BigEndian.uint32(current.key, at: 2))
                #expect(Int(BigEndian.uint16(current.key)) == Bloom.lastIndex(of: topic))
                topics.insert(topic)
                entry = try cursor.get(MDB_NEXT)
            }
            return topics
        }
    }

    private func runDirectory(_ store: EnvelopeStore) throws -> [IndexRuns.Run] {
        let dbs = store.dbs
        return try store.environment.read { (txn) throws(StoreError) in try IndexRuns.runs(txn, dbs) }
    }

    /// Puts a store already in version 3's layout (`LegacyStores.rewriteAsVersion3`) into
    /// version 1's (single trees keyed by topic and by hash prefix, no run directory) and
    /// records version 1, as a version 1 build left it.
    private func rewriteAsVersion1(_ store: EnvelopeStore) throws {
        let dbs = store.dbs
        try store.environment.write { (txn) throws(StoreError) in
            let flags = MDB_DUPSORT | MDB_DUPFIXED | MDB_CREATE
            for (name, dbi) in [("topics", dbs.topics), ("hashes", dbs.hashes)] {
                guard let legacy = try txn.openExisting(name, flags: flags) else { throw StoreError.corrupt(name) }
                let cursor = try txn.cursor(dbi)
                var entry = try cursor.get(MDB_FIRST)
                while let current = entry {
                    try txn.put(legacy, Array(current.value.prefix(4)), Array(current.value.dropFirst(4)))
                    entry = try cursor.get(MDB_NEXT)
                }
                try txn.clear(dbi)
            }
            try txn.clear(dbs.runs)
            try txn.put(dbs.meta, Schema.Meta.schema, BigEndian.bytes(UInt32(1)))
        }
    }

    /// Puts a store already in version 3's layout into version 2's (keys `BE32(run) ++ subkey`,
    /// the rest of each entry as sorted duplicates) and records version 2, as a version 2 build left it.
    private func rewriteAsVersion2(_ store: EnvelopeStore) throws {
        let dbs = store.dbs
        try store.environment.write { (txn) throws(StoreError) in
            let flags = MDB_DUPSORT | MDB_DUPFIXED | MDB_CREATE
            let names = Schema.version2IndexNames
            for (name, dbi) in [(names.topics, dbs.topics), (names.hashes, dbs.hashes)] {
                guard let legacy = try txn.openExisting(name, flags: flags) else { throw StoreError.corrupt(name) }
                let cursor = try txn.cursor(dbi)
                var entry = try cursor.get(MDB_FIRST)
                while let current = entry {
                    try txn.put(legacy, Array(current.key) + Array(current.value.prefix(4)),
                                Array(current.value.dropFirst(4)))
                    entry = try cursor.get(MDB_NEXT)
                }
                try txn.clear(dbi)
            }
            try txn.put(dbs.meta, Schema.Meta.schema, BigEndian.bytes(UInt32(2)))
        }
    }
}
