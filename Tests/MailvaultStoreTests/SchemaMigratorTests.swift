import CLMDB
import Foundation
import MailvaultBench
import MailvaultCore
@testable import MailvaultStore
import Testing

@Suite("Schema migration at open (SchemaMigrator)", .serialized)
struct SchemaMigratorTests {
    @Test("a version 1 store is migrated at open: its indexes become one run of version 7, every lookup still works")
    func migratesVersion1() async throws {
        let directory = TemporaryDirectory("migrate")
        defer { directory.remove() }
        var factory = EnvelopeFactory(seed: 23)
        let envelopes = (0..<300).map { factory.envelope(sent: UInt32(5000 + $0 / 3)) }
        do {
            let store = try EnvelopeStore.open(at: directory.path)
            _ = try await store.ingest(envelopes)
            try LegacyStores.rewriteAsVersion3(store)
            try LegacyStores.rewriteAsVersion1(store)
            store.close()
        }
        let store = try EnvelopeStore.open(at: directory.path)
        #expect(try store.stats().schemaVersion == Schema.version)
        #expect(try store.runDirectory().map { [$0.id, UInt32($0.level)] } == [[0, UInt32(Version7Migration.runLevel)]])
        #expect(try store.presence(of: envelopes.map(\.hash)).allSatisfy { $0 })
        try expectMigrated(store, envelopes, topics: factory.topics, legacy: Schema.version1IndexNames)
        try store.expectSyncBucketsExact()
        // New commits add runs after the migrated one.
        let more = (0..<10).map { factory.envelope(sent: UInt32(9000 + $0)) }
        _ = try await store.ingest(more)
        #expect(try store.presence(of: (envelopes + more).map(\.hash)).allSatisfy { $0 })
        store.close()
    }

    @Test("a version 2 store is migrated at open: its runs become one run of version 7, every lookup still works")
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
            runs = try store.runDirectory()
            try LegacyStores.rewriteAsVersion3(store)
            try LegacyStores.rewriteAsVersion2(store)
            store.close()
        }
        #expect(runs.count > 1)
        let store = try EnvelopeStore.open(at: directory.path)
        #expect(try store.stats().schemaVersion == Schema.version)
        #expect(try store.runDirectory().map { [$0.id, UInt32($0.level)] } == [[0, UInt32(Version7Migration.runLevel)]])
        #expect(try store.presence(of: envelopes.map(\.hash)).allSatisfy { $0 })
        #expect(try store.envelope(hash: envelopes[17].hash) == envelopes[17])
        #expect(try store.stats().topics == factory.topics.count)
        try expectMigrated(store, envelopes, topics: factory.topics, legacy: Schema.version2IndexNames)
        try store.expectSyncBucketsExact()
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
            runs = try store.runDirectory()
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
        #expect(try store.runDirectory().map { [$0.id, UInt32($0.level)] } == [[0, UInt32(Version7Migration.runLevel)]])
        #expect(try store.topicEntryCount() == envelopes.count)
        let dbs = store.dbs
        try store.environment.read { (txn) throws(StoreError) in
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
        try store.expectSyncBucketsExact()
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
        #expect(try store.directoryTopics() == Set(envelopes.map(\.topic)))
        try store.expectSyncBucketsExact()
        for size in [1, 3, 7] {
            let filter = Bloom(topics: factory.topics.shuffled(using: &factory.random).prefix(size))
            let page = try store.hashes(HistoryQuery(bloom: filter, limit: 1000))
            #expect(page.entries.map(\.key)
                == envelopes.filter { filter.matches($0.topic.bloom) }.map(\.storeKey).sorted())
        }
        store.close()
    }

    @Test("a version 5 store is migrated at open: its sync buckets are built from the primary index")
    func migratesVersion5() async throws {
        let directory = TemporaryDirectory("migrate5")
        defer { directory.remove() }
        var factory = EnvelopeFactory(seed: 43)
        var random = SplitMix64(seed: 44)
        var envelopes: [Envelope] = []
        do {
            let store = try EnvelopeStore.open(at: directory.path)
            for _ in 0..<6 {
                // Three days and more, so that every level has several buckets; some crowds on edges.
                var more = (0..<150).map { _ in factory.envelope(sent: UInt32(1_000_000 + random.next() % 400_000)) }
                more += (0..<30).map { _ in factory.envelope(sent: 1_048_576, maximumLength: 40) }
                _ = try await store.ingest(more)
                envelopes += more
            }
            try LegacyStores.rewriteAsVersion5(store)
            store.close()
        }
        #expect(throws: StoreError.needsMigration(directory: directory.path, version: 5)) {
            _ = try EnvelopeStore.open(at: directory.path, configuration: StoreConfiguration(readOnly: true))
        }
        let store = try EnvelopeStore.open(at: directory.path)
        #expect(try store.stats().schemaVersion == Schema.version)
        try store.expectSyncBucketsExact()
        let keys = envelopes.map(\.storeKey).sorted()
        #expect(try store.keySummary(from: .first(sent: 0), to: nil) == expectedSummary(keys))
        let middle = EnvelopeKey.first(sent: 1_200_000)
        #expect(try store.keySummary(from: middle, to: nil) == expectedSummary(keys.filter { $0 >= middle }))
        // Later ingests and sweeps keep the migrated buckets exact.
        let more = (0..<50).map { _ in factory.envelope(sent: UInt32(1_300_000 + random.next() % 1000)) }
        _ = try await store.ingest(more)
        _ = try await store.sweep(now: 1_100_000 + RetentionPolicy().maximumAge)
        try store.expectSyncBucketsExact()
        store.close()
    }

    @Test("an interrupted migration to version 6 leaves version 5, and the next open migrates")
    func interruptedVersion6Migration() async throws {
        let directory = TemporaryDirectory("migrate5-interrupted")
        defer { directory.remove() }
        var factory = EnvelopeFactory(seed: 47)
        let envelopes = (0..<200).map { factory.envelope(sent: UInt32(70_000 + $0 * 7)) }
        let badKey = [UInt8](repeating: 0xFF, count: EnvelopeKey.byteCount - 1)
        do {
            let store = try EnvelopeStore.open(at: directory.path)
            _ = try await store.ingest(envelopes)
            try LegacyStores.rewriteAsVersion5(store)
            // A primary key the bucket rebuild refuses, after every real one: the migration's
            // transaction fails late, having written most buckets.
            let dbs = store.dbs
            try store.environment.write { (txn) throws(StoreError) in
                _ = try txn.put(try Version6Databases.open(txn, dbs, create: false).primary, badKey,
                                Location(block: 0, offset: 0).bytes)
            }
            store.close()
        }
        #expect(throws: StoreError.corrupt("a primary key of 35 bytes")) {
            _ = try EnvelopeStore.open(at: directory.path)
        }
        do {
            let environment = try Environment(directory: directory.path, mapBytes: 1 << 20, readOnly: false)
            try environment.write { (txn) throws(StoreError) in
                var dbi: MDB_dbi = 0
                try Transaction.check(mdb_dbi_open(txn.pointer, "meta", 0, &dbi), "dbi_open")
                #expect(BigEndian.uint32(try txn.get(dbi, Schema.Meta.schema)!) == 5)
                var buckets: MDB_dbi = 0
                try Transaction.check(mdb_dbi_open(txn.pointer, "syncBuckets", 0, &buckets), "dbi_open")
                #expect(try txn.count(buckets) == 0)
                var primary: MDB_dbi = 0
                try Transaction.check(mdb_dbi_open(txn.pointer, "envelopes", 0, &primary), "dbi_open")
                #expect(try txn.delete(primary, badKey))
            }
        }
        let store = try EnvelopeStore.open(at: directory.path)
        #expect(try store.stats().schemaVersion == Schema.version)
        try store.expectSyncBucketsExact()
        #expect(try store.keySummary(from: .first(sent: 0), to: nil) == expectedSummary(envelopes.map(\.storeKey)))
        store.close()
    }

    @Test("a version 7, 8 or 9 store is migrated at open a few runs or buckets per step, resuming after a crash between steps",
          arguments: [UInt32(7), 8, 9])
    func migratesRuns(from version: UInt32) async throws {
        let directory = TemporaryDirectory("migrate\(version)")
        defer { directory.remove() }
        var factory = EnvelopeFactory(seed: 71, topicCount: 5)
        // Two envelopes a second over five topics: topics share seconds, so pages must order
        // envelopes of one second by hash.
        let envelopes = (0..<600).map { factory.envelope(sent: UInt32(80_000 + $0 / 2)) }
        let names = Schema.version8Names
        do {
            let store = try EnvelopeStore.open(at: directory.path)
            for batch in stride(from: 0, to: envelopes.count, by: 100) {
                _ = try await store.ingest(Array(envelopes[batch..<(batch + 100)]))
            }
            let runs = try store.runDirectory()
            #expect(runs.count == 6)
            // One step of the migration commits, then the process "dies": the next version and
            // the marker are recorded, the first run is rewritten, the others are not.
            let (environment, dbs) = (store.environment, store.dbs)
            if version == 7 {
                try LegacyStores.rewriteAsVersion7(store)
                let migration = Version8Migration(environment: environment, dbs: dbs, step: 1)
                #expect(try !environment.write { (txn) throws(StoreError) -> Bool in try migration.step(txn) })
            } else if version == 8 {
                try LegacyStores.rewriteAsVersion8(store)
                let migration = Version9Migration(environment: environment, dbs: dbs, step: 1)
                #expect(try !environment.write { (txn) throws(StoreError) -> Bool in try migration.step(txn) })
            } else {
                try LegacyStores.rewriteAsVersion9(store)
                let migration = Version10Migration(environment: environment, dbs: dbs, step: 1)
                #expect(try !environment.write { (txn) throws(StoreError) -> Bool in try migration.step(txn) })
                // The first 64-second bucket (seconds 80,000-80,063: 128 entries) moved, the
                // other four (472 duplicates) did not.
                let (moved, left) = try environment.read { (txn) throws(StoreError) -> ([PrimaryEntry], Int) in
                    let old = try txn.openExisting(Schema.version9Primary, flags: Schema.flags(of: Schema.version9Primary))
                    var cursor = try PrimaryIndex(txn: txn, dbi: dbs.primary).entries()
                    var entries: [PrimaryEntry] = []
                    var entry = try cursor.first()
                    while let current = entry {
                        entries.append(current)
                        entry = try cursor.next()
                    }
                    return (entries, try old.map { (dbi) throws(StoreError) in try txn.count(dbi) } ?? 0)
                }
                #expect(moved.map(\.sent) == envelopes.map(\.sentTime).filter { $0 < 80_064 }.sorted())
                #expect(moved.count == 128)
                #expect(left == 472)
                store.close()
                return try await expectMigrated(from: version, at: directory, envelopes, factory.topics)
            }
            // Each run's first value in schema 8's topic database (0: none) and whether the
            // packed one holds the run.
            let placed = try environment.read { (txn) throws(StoreError) -> [(Int, Bool)] in
                let legacy = try txn.openExisting(names.topics, flags: Schema.flags(of: names.topics))
                return try runs.map { (run) throws(StoreError) -> (Int, Bool) in
                    let old = try legacy.flatMap { (dbi) throws(StoreError) in try txn.get(dbi, IndexRuns.key(run: run.id)) }
                    return (old?.count ?? 0, try txn.get(dbs.topics, IndexRuns.key(run: run.id)) != nil)
                }
            }
            let expected = version == 7 ? [(14, false)] + Array(repeating: (18, false), count: 5)
                : [(0, true)] + Array(repeating: (14, false), count: 5)
            #expect(placed.map(\.0) == expected.map(\.0))
            #expect(placed.map(\.1) == expected.map(\.1))
            store.close()
        }
        try await expectMigrated(from: version, at: directory, envelopes, factory.topics)
    }

    /// Opens a store whose migration from `version` has begun: read-only it is refused, read-write
    /// it finishes migrating, and then every lookup, query, cursor, sync bucket and sweep holds.
    func expectMigrated(from version: UInt32, at directory: TemporaryDirectory, _ envelopes: [Envelope],
                        _ topics: [Topic]) async throws {
        let names = Schema.version8Names
        #expect(throws: StoreError.needsMigration(directory: directory.path, version: version)) {
            _ = try EnvelopeStore.open(at: directory.path, configuration: StoreConfiguration(readOnly: true))
        }
        let store = try EnvelopeStore.open(at: directory.path, configuration: StoreConfiguration(migrationStep: 150))
        defer { store.close() }
        #expect(try store.stats().schemaVersion == Schema.version)
        let dbs = store.dbs
        try store.environment.read { (txn) throws(StoreError) in
            #expect(try txn.get(dbs.meta, Schema.Meta.runMigration) == nil)
            #expect(try txn.get(dbs.meta, Schema.Meta.chunkMigration) == nil)
            #expect(try txn.get(dbs.meta, Schema.Meta.primaryMigration) == nil)
            #expect(try txn.openExisting(names.topics, flags: 0) == nil)
            #expect(try txn.openExisting(names.hashes, flags: 0) == nil)
            #expect(try txn.openExisting(Schema.version9Primary, flags: 0) == nil)
        }
        #expect(try store.topicEntryCount() == envelopes.count)
        #expect(try store.presence(of: envelopes.map(\.hash)).allSatisfy { $0 })
        for envelope in envelopes.prefix(50) { #expect(try store.envelope(hash: envelope.hash) == envelope) }
        for topic in topics {
            let expected = envelopes.filter { $0.topic == topic }.map(\.storeKey).sorted()
            #expect(try store.query(HistoryQuery(topics: [topic], limit: 1000)).envelopes.map(\.storeKey) == expected)
            // Pages of 7 cut inside seconds: their cursors resume exactly.
            var keys: [EnvelopeKey] = []
            var query = HistoryQuery(topics: [topic], limit: 7)
            while true {
                let page = try store.hashes(query)
                keys += page.entries.map(\.key)
                guard let next = page.next else { break }
                query.cursor = next
            }
            #expect(keys == expected)
        }
        try store.expectSyncBucketsExact()
        // Removing half keeps the others findable (hash entries shared within a bucket stay).
        let report = try await store.sweep(now: 80_150 + RetentionPolicy().maximumAge)
        #expect(report.expired == 300)
        #expect(try store.presence(of: envelopes.map(\.hash)) == envelopes.map { $0.sentTime >= 80_150 })
        #expect(try store.stats().oldestSent == 80_150)
    }

    /// After a migration: each topic's page holds exactly its envelopes, the topic index has an
    /// entry per envelope, and the legacy index databases are gone.
    func expectMigrated(_ store: EnvelopeStore, _ envelopes: [Envelope], topics: [Topic],
                        legacy names: (topics: String, hashes: String)) throws {
        for topic in topics {
            let page = try store.query(HistoryQuery(topics: [topic], limit: 1000))
            #expect(page.envelopes.map(\.storeKey) == envelopes.filter { $0.topic == topic }.map(\.storeKey).sorted())
        }
        try store.environment.read { (txn) throws(StoreError) in
            #expect(try txn.openExisting(names.topics, flags: 0) == nil)
            #expect(try txn.openExisting(names.hashes, flags: 0) == nil)
        }
        #expect(try store.topicEntryCount() == envelopes.count)
    }
}
