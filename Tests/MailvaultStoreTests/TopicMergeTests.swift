import MailvaultBench
import MailvaultCore
@testable import MailvaultStore
import Testing

@Suite("Index entries that share a sent time and a 32-bit hash prefix")
struct TopicMergeTests {
    /// Two envelopes of one second and one topic whose hashes share their first four bytes,
    /// found by `Scripts/vectors/make_collision_vector.py` (pyrlp and pycryptodome's Keccak-256,
    /// a birthday search over nonces; it printed "nonces 37271 84709 topic 9abcdef0 prefix
    /// 9b676b9b"). The index entries cannot order or tell them apart; only their records'
    /// hashes can.
    static func collision(topics: [Topic]) -> [Envelope] {
        [37271, 84709].map { (nonce: UInt64) in
            Envelope(expiry: 550, ttl: 50, topic: topics[Int(nonce % 2)], data: [1, 2, 3], nonce: nonce)
        }
    }

    @Test("keys sharing (sent, hash[0..<4]) come out in hash order in every kind of query, and removal keeps the other")
    func prefixCollision() async throws {
        let directory = TemporaryDirectory("collision")
        defer { directory.remove() }
        let store = try EnvelopeStore.open(at: directory.path)
        defer { store.close() }
        let topics = [Topic(rawValue: 0x1234_5678), Topic(rawValue: 0x9ABC_DEF0)]
        let pair = TopicMergeTests.collision(topics: topics)
        #expect(pair[0].storeKey.sent == pair[1].storeKey.sent)
        #expect(pair[0].hash.w0 >> 32 == 0x9B67_6B9B && pair[1].hash.w0 >> 32 == 0x9B67_6B9B)
        #expect(pair[0].topic == pair[1].topic)
        var factory = EnvelopeFactory(seed: 62, topicCount: 2)
        let neighbours = [factory.envelope(sent: 499, topic: pair[0].topic), factory.envelope(sent: 500, topic: topics[1]),
                          factory.envelope(sent: 501, topic: pair[0].topic)]
        // The larger key first, so that the records lie in the opposite order to the keys.
        let ordered = pair.sorted { $0.storeKey < $1.storeKey }
        _ = try await store.ingest([ordered[1]] + neighbours)
        _ = try await store.ingest([ordered[0]])
        let all = (pair + neighbours).map(\.storeKey).sorted()
        let topic = pair[0].topic
        let ofTopic = (pair + neighbours).filter { $0.topic == topic }.map(\.storeKey).sorted()

        #expect(try store.hashes(HistoryQuery(limit: 1000)).entries.map(\.key) == all)
        #expect(try store.hashes(HistoryQuery(topics: [topic], limit: 1000)).entries.map(\.key) == ofTopic)
        #expect(try store.query(HistoryQuery(topics: [topic], limit: 1000)).entries.map(\.key) == ofTopic)
        #expect(try store.query(HistoryQuery(bloom: Bloom(topics: [topic]), limit: 1000)).envelopes
            == ofTopic.compactMap { key in (pair + neighbours).first { $0.storeKey == key } })
        // Pages of one, each continuing from the last one's cursor, step through the collision.
        for filter in [nil, [topic]] as [[Topic]?] {
            var keys: [EnvelopeKey] = []
            var cursor: EnvelopeKey?
            repeat {
                let query = filter.map { HistoryQuery(topics: $0, limit: 1, cursor: cursor) } ?? HistoryQuery(limit: 1, cursor: cursor)
                let page = try store.query(query)
                keys += page.entries.map(\.key)
                cursor = page.next
            } while cursor != nil
            #expect(keys == (filter == nil ? all : ofTopic))
        }
        #expect(try store.presence(of: pair.map(\.hash)) == [true, true])
        for envelope in pair { #expect(try store.envelope(hash: envelope.hash) == envelope) }
        #expect(try store.keys(from: EnvelopeKey.first(sent: 500), to: EnvelopeKey.first(sent: 501), limit: 10)
            == all.filter { $0.sent == 500 })

        // Key lists starting inside the collision, or just past both of its keys.
        let pairSent = ordered[0].storeKey.sent
        let past = EnvelopeKey(sent: pairSent, hash: Hash256(w0: 0x9B67_6B9B_FFFF_FFFF, w1: .max, w2: .max, w3: .max))
        for (start, limit) in [(ordered[0].storeKey, 1), (ordered[1].storeKey, 1), (ordered[0].storeKey, 2), (past, 1), (past, 3)] {
            #expect(try store.keys(from: start, to: nil, limit: limit) == Array(all.filter { $0 >= start }.prefix(limit)))
        }
        #expect(try store.keys(from: .first(sent: 0), to: ordered[1].storeKey, limit: 10) == all.filter { $0 < ordered[1].storeKey })

        // A range summary bounded between the two counts each on its own side.
        let middle = ordered[1].storeKey
        #expect(try store.keySummary(from: middle, to: nil) == expectedSummary(all.filter { $0 >= middle }))
        #expect(try store.keySummary(from: .first(sent: 0), to: middle) == expectedSummary(all.filter { $0 < middle }))
        #expect(try store.keySummary(from: ordered[0].storeKey, to: middle) == expectedSummary([ordered[0].storeKey]))

        // Removing one keeps the other findable: its hash entry (same sent and prefix) stays.
        try removeDirectly(store, ordered[0].storeKey)
        #expect(try store.presence(of: pair.map(\.hash)) == pair.map { $0 != ordered[0] })
        #expect(try store.envelope(hash: ordered[1].hash) == ordered[1])
        #expect(try store.hashes(HistoryQuery(topics: [topic], limit: 1000)).entries.map(\.key)
            == ofTopic.filter { $0 != ordered[0].storeKey })
        try removeDirectly(store, ordered[1].storeKey)
        #expect(try store.presence(of: pair.map(\.hash)) == [false, false])
        #expect(try store.hashes(HistoryQuery(limit: 1000)).entries.map(\.key) == neighbours.map(\.storeKey).sorted())
        try store.expectSyncBucketsExact()
    }

    private func removeDirectly(_ store: EnvelopeStore, _ key: EnvelopeKey) throws {
        let (dbs, codec, capacity) = (store.dbs, store.codec, store.blockCapacity)
        try store.environment.write { (txn) throws(StoreError) in
            let context = try WriteContext(txn: txn, dbs: dbs, codec: codec, retention: RetentionPolicy(), blockCapacity: capacity,
                                           knownTopics: KnownTopics())
            try context.remove(key: key)
            try context.finish()
        }
    }
}
