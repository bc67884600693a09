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
                    (subkey: UInt32(random.next() % 5), value: [UInt8(random.next() % 4), UInt8(random.next() % 4)])
                }.sorted(by: IndexRuns.precedes)
            }
            let merged = IndexRuns.merge(lists)
            var plain: [(subkey: UInt32, value: [UInt8])] = []
            for entry in lists.joined().sorted(by: IndexRuns.precedes)
            where plain.last.map({ $0.subkey != entry.subkey || $0.value != entry.value }) ?? true {
                plain.append(entry)
            }
            #expect(merged.map(\.subkey) == plain.map(\.subkey))
            #expect(merged.map(\.value) == plain.map(\.value))
        }
    }

    @Test("lookups, presence, dedupe and topic queries hold after every commit, merge, reopen and sweep")
    func lookupsAcrossMerges() async throws {
        let directory = TemporaryDirectory("runs")
        defer { directory.remove() }
        var store = try EnvelopeStore.open(at: directory.path)
        var factory = EnvelopeFactory(seed: 21, topicCount: 5)
        var stored: [Envelope] = []
        for batch in 0..<40 {
            let envelopes = (0..<25).map { factory.envelope(sent: UInt32(10_000 + batch * 10 + $0 % 10), maximumLength: 200) }
            #expect(try await store.ingest(envelopes).allSatisfy(\.isStored))
            stored += envelopes
            // Right after the commit (whatever merges it triggered), everything is found.
            #expect(try store.presence(of: stored.map(\.hash)).allSatisfy { $0 })
            #expect(try store.envelope(hash: envelopes[0].hash) == envelopes[0])
            #expect(try await store.ingest(Array(stored.suffix(30))).allSatisfy { !$0.isStored })
            if batch == 20 {
                store.close()
                store = try EnvelopeStore.open(at: directory.path)
            }
        }
        let runs = try runDirectory(store)
        // 40 commits with a fan-in of 4: two level-2 runs, two level-1 runs and no level-0 run.
        #expect(runs.map(\.level) == [2, 2, 1, 1])
        for topic in factory.topics {
            let page = try store.query(StoreQuery(topics: [topic], limit: 1000))
            #expect(page.envelopes.map(\.storeKey) == stored.filter { $0.topic == topic }.map(\.storeKey).sorted())
        }
        #expect(try store.stats().topics == factory.topics.count)
        #expect(try store.presence(of: [Hash256.zero]) == [false])

        // Expire the older half: their entries leave every run; the rest stay reachable.
        let cutoff: UInt32 = 10_200
        let report = try await store.sweep(now: cutoff + RetentionPolicy().maximumAge)
        #expect(report.expired == stored.filter { $0.sentTime < cutoff }.count)
        let (gone, kept) = (stored.filter { $0.sentTime < cutoff }, stored.filter { $0.sentTime >= cutoff })
        #expect(try store.presence(of: gone.map(\.hash)).allSatisfy { !$0 })
        #expect(try store.presence(of: kept.map(\.hash)).allSatisfy { $0 })
        let all = try store.hashes(StoreQuery(topics: factory.topics, limit: 1000))
        #expect(all.entries.map { StoreCursor(sent: $0.sent, hash: $0.hash) } == kept.map(\.storeKey).sorted())
        // The run that held only expired envelopes was dropped.
        #expect(try runDirectory(store).count < runs.count)
        // A removed envelope can come back.
        #expect(try await store.ingest([gone[0]]) == [.stored(gone[0].hash)])
        #expect(try store.envelope(hash: gone[0].hash) == gone[0])
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
            try rewriteAsVersion1(store)
            store.close()
        }
        let store = try EnvelopeStore.open(at: directory.path)
        #expect(try store.stats().schemaVersion == Schema.version)
        #expect(try runDirectory(store) == [IndexRuns.Run(id: 0, level: IndexRuns.maximumLevel)])
        #expect(try store.presence(of: envelopes.map(\.hash)).allSatisfy { $0 })
        for topic in factory.topics {
            let page = try store.query(StoreQuery(topics: [topic], limit: 1000))
            #expect(page.envelopes.map(\.storeKey) == envelopes.filter { $0.topic == topic }.map(\.storeKey).sorted())
        }
        let dbs = store.dbs
        try store.environment.read { (txn) throws(StoreError) in
            #expect(try txn.openExisting(Schema.legacyIndexNames.topics, flags: 0) == nil)
            #expect(try txn.openExisting(Schema.legacyIndexNames.hashes, flags: 0) == nil)
            #expect(try txn.count(dbs.topics) == envelopes.count)
        }
        // New commits add runs after the migrated one.
        let more = (0..<10).map { factory.envelope(sent: UInt32(9000 + $0)) }
        _ = try await store.ingest(more)
        #expect(try store.presence(of: (envelopes + more).map(\.hash)).allSatisfy { $0 })
        store.close()
    }

    private func runDirectory(_ store: EnvelopeStore) throws -> [IndexRuns.Run] {
        let dbs = store.dbs
        return try store.environment.read { (txn) throws(StoreError) in try IndexRuns.runs(txn, dbs) }
    }

    /// Puts the store's indexes back into version 1's layout (single trees keyed by topic and
    /// by hash prefix, no run directory) and records version 1, as a version 1 build left it.
    private func rewriteAsVersion1(_ store: EnvelopeStore) throws {
        let dbs = store.dbs
        try store.environment.write { (txn) throws(StoreError) in
            let flags = MDB_DUPSORT | MDB_DUPFIXED | MDB_CREATE
            for (name, dbi) in [("topics", dbs.topics), ("hashes", dbs.hashes)] {
                guard let legacy = try txn.openExisting(name, flags: flags) else { throw StoreError.corrupt(name) }
                let cursor = try txn.cursor(dbi)
                var entry = try cursor.get(MDB_FIRST)
                while let current = entry {
                    try txn.put(legacy, Array(current.key.suffix(4)), Array(current.value))
                    entry = try cursor.get(MDB_NEXT)
                }
                try txn.clear(dbi)
            }
            try txn.clear(dbs.runs)
            try txn.put(dbs.meta, Schema.Meta.schema, BigEndian.bytes(UInt32(1)))
        }
    }
}
