import CLMDB
import Foundation
import MailvaultBench
import MailvaultCore
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
                    HashIndexEntry(prefix: UInt32(random.next() % 5) << 10, sent: UInt32(random.next() % 4) << 6)
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
                                                           w2: random.next(), w3: random.next())),
                            location: Location(block: UInt32(random.next() % 2) << 31 | UInt32(random.next() % 2),
                                               offset: UInt16(random.next() % 2) << 15 | 1))
        }
        #expect(topics.sorted().map(\.bytes) == topics.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) })
        for entry in topics {
            #expect(entry.bytes == [UInt8](entry.topic.bytes) + BigEndian.bytes(entry.sent) + entry.location.bytes)
            #expect(entry.bytes.withUnsafeBytes { TopicIndexEntry(raw: $0) } == entry)
        }
        let version3 = topics.map { Version3TopicIndexEntry(topic: $0.topic, key: EnvelopeKey(sent: $0.sent, hash: Hash256(
            w0: (random.next() % 2) << 63 | random.next() >> 1, w1: random.next(), w2: random.next(), w3: random.next()))) }
        let version7 = version3.map { Version7TopicIndexEntry(topic: $0.topic, key: $0.key, location: Location(
            block: UInt32(random.next() % 2) << 31, offset: UInt16(random.next() % 2))) }
        #expect(version7.sorted().map(\.bytes) == version7.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) })
        for entry in version7 {
            #expect(entry.bytes == [UInt8](entry.topic.bytes) + BigEndian.bytes(entry.sent) + BigEndian.bytes(entry.prefix)
                + entry.location.bytes)
            #expect(entry.bytes.withUnsafeBytes { Version7TopicIndexEntry(raw: $0) } == entry)
            #expect(entry.current == TopicIndexEntry(topic: entry.topic, sent: entry.sent, location: entry.location))
        }
        #expect(version3.sorted().map(\.bytes) == version3.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) })
        for entry in version3 {
            #expect(entry.bytes == [UInt8](entry.topic.bytes) + entry.key.bytes)
            #expect(entry.bytes.withUnsafeBytes { Version3TopicIndexEntry(raw: $0) } == entry)
        }
        // Cutting version 3 entries to version 6's keeps their order.
        let cut = version3.sorted().map { Version6TopicIndexEntry(topic: $0.topic, key: $0.key) }
        #expect(zip(cut, cut.dropFirst()).allSatisfy { !($1 < $0) })
        #expect(cut.map(\.bytes) == cut.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) })
        let entries = (0..<200).map { _ in
            PrimaryEntry(sent: UInt32(truncatingIfNeeded: random.next()) >> UInt32(random.next() % 2 * 20),
                         prefix: (UInt32(truncatingIfNeeded: random.next()) >> 30) << 8,
                         location: Location(block: UInt32(truncatingIfNeeded: random.next()), offset: UInt16(random.next() % 3)))
        }
        // A primary entry's 13 bytes order as the entries do; schema 9's form (bucket key, then
        // value) orders the same way, and decodes back.
        #expect(entries.sorted().map(\.bytes) == entries.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) })
        let version9 = entries.map { LegacyStores.version9Primary($0, prefix: $0.prefix) }
        let byBytes = zip(entries, version9).sorted { $0.1.key.lexicographicallyPrecedes($1.1.key)
            || ($0.1.key == $1.1.key && $0.1.value.lexicographicallyPrecedes($1.1.value)) }.map(\.0)
        #expect(entries.sorted() == byBytes)
        for (entry, (key, value)) in zip(entries, version9) {
            #expect(entry.bytes.withUnsafeBytes { PrimaryEntry(raw: $0) } == entry)
            #expect(key.withUnsafeBytes { bucket in
                value.withUnsafeBytes { value in try? PrimaryEntry(version9Bucket: bucket, value: value) }
            } == entry)
        }
        // Schema 9's four hash bytes are cut to three.
        let full = LegacyStores.version9Primary(PrimaryEntry(sent: 70, prefix: 0, location: Location(block: 1, offset: 2)),
                                                prefix: 0xABCD_EF12)
        #expect(full.key.withUnsafeBytes { bucket in
            full.value.withUnsafeBytes { value in try? PrimaryEntry(version9Bucket: bucket, value: value) }
        } == PrimaryEntry(sent: 70, prefix: 0xABCD_EF00, location: Location(block: 1, offset: 2)))
        #expect(PrimaryEntry(sent: 70, prefix: 0xABCD_EF12, location: Location(block: 1, offset: 2)).bytes
                == [0, 0, 0, 70, 0xAB, 0xCD, 0xEF, 0, 0, 0, 1, 0, 2])
        let hashes = (0..<200).map { _ in
            HashIndexEntry(prefix: UInt32(truncatingIfNeeded: random.next()), sent: UInt32(truncatingIfNeeded: random.next()))
        }
        #expect(hashes.sorted().map(\.bytes) == hashes.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) })
        for entry in hashes {
            #expect(entry.bytes.withUnsafeBytes { HashIndexEntry(raw: $0) } == entry)
        }
        // 22 bits of prefix, then the 26-bit bucket (`sent >> 6`); worked out by hand.
        let example = HashIndexEntry(prefix: 0xABCD_EF12, sent: 0x1234_5678)
        #expect(example.bytes == [0xAB, 0xCD, 0xEC, 0x48, 0xD1, 0x59])
        #expect(example.prefix == 0x2A_F37B && example.bucket == 0x48_D159)
        #expect(example.matches(prefix: 0xABCD_EC00) && example.matches(prefix: 0xABCD_EFFF) && !example.matches(prefix: 0xABCD_F000))
        let key = EnvelopeKey(sent: 0x1234_5678, hash: Hash256(w0: 0xABCD_EF12_0000_0000, w1: 0, w2: 0, w3: 0))
        #expect(Version7HashIndexEntry(key: key).bytes == [0xAB, 0xCD, 0xEF, 0x12, 0x12, 0x34, 0x56, 0x78])
        #expect(Version7HashIndexEntry(key: key).current == example)
    }

    @Test("a bucket's scan reads every duplicate page of a crowded bucket, and a lone entry; lookups find them all")
    func bucketScan() async throws {
        let directory = TemporaryDirectory("bucket-scan")
        defer { directory.remove() }
        let store = try EnvelopeStore.open(at: directory.path)
        defer { store.close() }
        var factory = EnvelopeFactory(seed: 17, topicCount: 3)
        // 700 envelopes in one 64-second bucket (about 18 chunks) and one alone in the next.
        let crowded = (0..<700).map { factory.envelope(sent: UInt32(6400 + $0 % 64), maximumLength: 40) }
        let lone = factory.envelope(sent: 6464 + 5, maximumLength: 40)
        _ = try await store.ingest(crowded + [lone])
        let entries = try store.environment.read { (txn) throws(StoreError) -> ([PrimaryEntry], [PrimaryEntry], [PrimaryEntry]) in
            let primary = PrimaryIndex(txn: txn, dbi: store.dbs.primary)
            return (try primary.entries(inBucket: 100, where: { _ in true }),
                    try primary.entries(inBucket: 101, where: { _ in true }),
                    try primary.entries(inBucket: 100, where: { $0 >> 31 == 1 }))
        }
        let keys = crowded.map(\.storeKey).sorted()
        #expect(entries.0.map(\.sent) == keys.map(\.sent))
        #expect(entries.0.map(\.prefix) == keys.map { PrimaryEntry.prefix(of: $0.hash) })
        #expect(entries.1.map(\.sent) == [lone.sentTime])
        #expect(entries.2.map(\.prefix) == keys.map { PrimaryEntry.prefix(of: $0.hash) }.filter { $0 >> 31 == 1 })
        #expect(try store.presence(of: (crowded + [lone]).map(\.hash)).allSatisfy { $0 })
        for envelope in crowded.prefix(20) + [lone] { #expect(try store.envelope(hash: envelope.hash) == envelope) }
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
        let runs = try store.runDirectory()
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
        #expect(try store.runDirectory().count < runs.count)
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
}
