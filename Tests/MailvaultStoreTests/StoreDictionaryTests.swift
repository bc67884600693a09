import CLMDB
import MailvaultBench
import MailvaultCore
@testable import MailvaultStore
import Testing

@Suite("zstd dictionaries", .serialized)
struct StoreDictionaryTests {
    /// Chat-like JSON of a few hundred bytes: what a dictionary is for.
    static func chatEnvelope(_ random: inout SplitMix64, sent: UInt32, topic: Topic) -> Envelope {
        let words = ["hello", "see", "you", "tomorrow", "ok", "thanks", "the", "meeting", "at", "noon", "lol", "sure"]
        var text = ""
        for _ in 0..<(3 + Int(random.next() % 12)) { text += words[Int(random.next() % UInt64(words.count))] + " " }
        let json = "{\"type\":\"chat-message\",\"chatId\":\"0x\(String(random.next() % 50, radix: 16))\",\"clock\":\(random.next() % 1_000_000),"
            + "\"contentType\":1,\"messageType\":\"one-to-one\",\"text\":\"\(text)\",\"ensName\":\"\",\"responseTo\":\"\"}"
        return Envelope(expiry: sent &+ 50, ttl: 50, topic: topic, data: Array(json.utf8), nonce: random.next())
    }

    @Test("records compressed with any recorded dictionary read back, after retraining and without a policy")
    func dictionariesStayReadable() async throws {
        let directory = TemporaryDirectory("dictionary")
        defer { directory.remove() }
        var random = SplitMix64(seed: 71)
        var factory = EnvelopeFactory(seed: 72)
        let policy = DictionaryPolicy(maximumBytes: 4096, samples: 400, minimumSamples: 100)
        let configuration = StoreConfiguration(dictionary: policy)
        var store = try EnvelopeStore.open(at: directory.path, configuration: configuration)
        var stored: [Envelope] = []
        func ingest(_ count: Int, base: UInt32) async throws {
            let batch = (0..<count).map { index in
                index % 4 == 3 ? factory.envelope(sent: base + UInt32(index), compressible: false)
                    : StoreDictionaryTests.chatEnvelope(&random, sent: base + UInt32(index), topic: factory.topics[index % 8])
            }
            #expect(try await store.ingest(batch).allSatisfy(\.isStored))
            stored += batch
        }
        func checkAll() throws {
            #expect(try store.presence(of: stored.map(\.hash)).allSatisfy { $0 })
            var all: [Envelope] = []
            var cursor: EnvelopeKey?
            repeat {
                let page = try store.query(HistoryQuery(limit: 1000, cursor: cursor))
                all += page.envelopes
                cursor = page.next
            } while cursor != nil
            #expect(all == stored.sorted { $0.storeKey < $1.storeKey })
        }
        // Too few samples yet: nothing trained, records compressed on their own.
        try await ingest(60, base: 1000)
        #expect(try await store.trainDictionary() == nil)
        #expect(store.codec.dictionaryInUse == nil)
        try await ingest(300, base: 2000)
        let first = try #require(try await store.trainDictionary())
        #expect(first.id == 1 && first.bytes <= 4096 && first.samples >= 200)
        try await ingest(300, base: 3000)
        let second = try #require(try await store.trainDictionary())
        #expect(second.id == 2)
        try await ingest(300, base: 4000)
        try checkAll()
        #expect(try kinds(store).contains(.zstdDictionary))
        #expect(try dictionaryIDs(store) == [1, 2])

        // Reopened without a policy: every record reads; new ones are compressed on their own.
        store.close()
        store = try EnvelopeStore.open(at: directory.path)
        #expect(store.codec.dictionaryInUse == nil)
        try await ingest(100, base: 5000)
        try checkAll()
        await #expect(throws: StoreError.self) { _ = try await store.trainDictionary() }
        // Reopened with the policy: the newest dictionary is in use again.
        store.close()
        store = try EnvelopeStore.open(at: directory.path, configuration: configuration)
        #expect(store.codec.dictionaryInUse == 2)
        try await ingest(100, base: 6000)
        try checkAll()
        // Sweeping moves records between blocks; they stay readable.
        let report = try await store.sweep(now: 3500 + RetentionPolicy().maximumAge)
        #expect(report.expired > 0)
        stored = stored.filter { $0.sentTime >= 3500 }
        try checkAll()
        store.close()
    }

    @Test("a policy trains the first dictionary by itself, at open or in a sweep, and it pays on chat-like payloads")
    func trainsByItself() async throws {
        let directory = TemporaryDirectory("dictionary-auto")
        defer { directory.remove() }
        var random = SplitMix64(seed: 73)
        let topic = Topic(rawValue: 0x0102_0304)
        let policy = DictionaryPolicy(maximumBytes: 8192, samples: 1000, minimumSamples: 500)
        let chat = (0..<2000).map { StoreDictionaryTests.chatEnvelope(&random, sent: UInt32(1000 + $0), topic: topic) }
        var store = try EnvelopeStore.open(at: directory.path, configuration: StoreConfiguration(dictionary: policy))
        _ = try await store.ingest(Array(chat[0..<300]))
        _ = try await store.sweep(now: 2000)
        #expect(store.codec.dictionaryInUse == nil)
        _ = try await store.ingest(Array(chat[300..<1000]))
        store.close()
        // Reopening with enough samples trains it.
        store = try EnvelopeStore.open(at: directory.path, configuration: StoreConfiguration(dictionary: policy))
        #expect(store.codec.dictionaryInUse == 1)
        let before = try store.stats()
        _ = try await store.ingest(Array(chat[1000..<2000]))
        let after = try store.stats()
        let withDictionary = Double(after.rawBytes - before.rawBytes) / Double(after.storedBytes - before.storedBytes)
        let without = Double(before.rawBytes) / Double(before.storedBytes)
        #expect(withDictionary > without * 1.3)
        #expect(try store.query(HistoryQuery(topics: [topic], limit: 1000)).envelopes == Array(chat[0..<1000]))
        store.close()

        // A store filled past the minimum while open trains in its next sweep.
        let other = TemporaryDirectory("dictionary-sweep")
        defer { other.remove() }
        store = try EnvelopeStore.open(at: other.path, configuration: StoreConfiguration(dictionary: policy))
        _ = try await store.ingest(Array(chat[0..<600]))
        #expect(store.codec.dictionaryInUse == nil)
        _ = try await store.sweep(now: 2000)
        #expect(store.codec.dictionaryInUse == 1)
        store.close()
    }

    private func kinds(_ store: EnvelopeStore) throws -> Set<Record.Kind> {
        let (dbs, formats) = (store.dbs, store.blockFormats)
        return try store.environment.read { (txn) throws(StoreError) in
            var kinds: Set<Record.Kind> = []
            let cursor = try txn.cursor(dbs.blocks)
            var entry = try cursor.get(MDB_FIRST)
            while let current = entry {
                var offset = 0
                while offset < current.value.count {
                    let record = try Record.parse(block: current.value, at: offset,
                                                  format: formats.format(of: BigEndian.uint32(current.key)))
                    kinds.insert(record.kind)
                    offset += record.length
                }
                entry = try cursor.get(MDB_NEXT)
            }
            return kinds
        }
    }

    private func dictionaryIDs(_ store: EnvelopeStore) throws -> [UInt32] {
        let dbs = store.dbs
        return try store.environment.read { (txn) throws(StoreError) in
            let source = DictionarySource(txn: txn, meta: dbs.meta)
            guard let newest = try source.newest() else { return [] }
            var ids: [UInt32] = []
            for id in 1...newest where try source.bytes(of: id) != nil { ids.append(id) }
            return ids
        }
    }
}
