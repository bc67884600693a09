import MailvaultBench
import MailvaultCore
@testable import MailvaultStore
import Testing

@Suite("Topic index entries named by key prefix")
struct TopicMergeTests {
    @Test("resolving a prefix's candidates gives what filtering them by topic and range gives")
    func resolveAgreesWithPlainFilter() throws {
        var random = SplitMix64(seed: 61)
        let topics = (0..<4).map { Topic(rawValue: UInt32($0)) }
        for _ in 0..<3000 {
            // Envelopes sharing one prefix (sent, hash[0..<8]); usually one, sometimes a collision.
            let count = random.next() % 4 == 0 ? 1 + Int(random.next() % 4) : 1
            var owners: [EnvelopeKey: Topic] = [:]
            for _ in 0..<count {
                let key = EnvelopeKey(sent: 7, hash: Hash256(w0: 42, w1: random.next() % 3, w2: random.next(), w3: 0))
                owners[key] = topics[Int(random.next() % 4)]
            }
            let candidates = owners.keys.sorted()
            // The index names this prefix for exactly the topics some candidate has; a query asks for some topics.
            let asked = Set(topics.filter { _ in random.next() % 2 == 0 })
            let named = Set(owners.values).intersection(asked).sorted()
            guard !named.isEmpty else { continue }
            let bounds = [candidates[0], candidates[candidates.count - 1], EnvelopeKey.first(sent: 7), EnvelopeKey.last(sent: 7)]
            let lower = bounds[Int(random.next() % 4)]
            let upper = max(lower, bounds[Int(random.next() % 4)])
            let resolved = try KeyResolver.resolve(topics: named, candidates: candidates, range: lower...upper) {
                (index) throws(StoreError) -> Topic in owners[candidates[index]]!
            }
            let plain = candidates.filter { (lower...upper).contains($0) && asked.contains(owners[$0]!) }
            #expect(resolved.map { candidates[$0.index] } == plain)
            #expect(resolved.allSatisfy { owners[candidates[$0.index]] == $0.topic })
        }
    }

    @Test("envelopes whose keys share 12 bytes are told apart by topic, in queries and in removal")
    func forgedPrefixCollision() async throws {
        let directory = TemporaryDirectory("collision")
        defer { directory.remove() }
        let store = try EnvelopeStore.open(at: directory.path)
        defer { store.close() }
        var factory = EnvelopeFactory(seed: 62, topicCount: 2)
        let (topicA, topicB) = (factory.topics[0], factory.topics[1])
        let a = factory.envelope(sent: 500, topic: topicA)
        let sameTopic = factory.envelope(sent: 500, topic: topicA)
        let otherTopic = factory.envelope(sent: 500, topic: topicB)
        _ = try await store.ingest([a, sameTopic, otherTopic])
        // Re-key the two others so that their keys start with a's 12 bytes, as a 64-bit hash-prefix
        // collision within one second would (found on purpose, at a cost of about 2^32 hashes).
        func forged(_ envelope: Envelope) -> EnvelopeKey {
            EnvelopeKey(sent: 500, hash: Hash256(w0: a.hash.w0, w1: envelope.hash.w1, w2: envelope.hash.w2, w3: envelope.hash.w3))
        }
        let dbs = store.dbs
        try store.environment.write { (txn) throws(StoreError) in
            for envelope in [sameTopic, otherTopic] {
                let location = Array(try txn.get(dbs.envelopes, envelope.storeKey.bytes)!)
                try txn.delete(dbs.envelopes, envelope.storeKey.bytes)
                try txn.put(dbs.envelopes, forged(envelope).bytes, location)
                for run in try IndexRuns.runs(txn, dbs) {
                    if try txn.delete(dbs.topics, IndexRuns.key(run: run.id),
                                      value: TopicIndexEntry(topic: envelope.topic, key: envelope.storeKey).bytes) {
                        _ = try txn.put(dbs.topics, IndexRuns.key(run: run.id),
                                        TopicIndexEntry(topic: envelope.topic, key: forged(envelope)).bytes)
                    }
                }
            }
        }
        func keys(_ topics: [Topic]) throws -> [EnvelopeKey] {
            try store.hashes(HistoryQuery(topics: topics, limit: 1000)).entries.map(\.key)
        }
        let keysA = [a.storeKey, forged(sameTopic)].sorted()
        #expect(try keys([topicA]) == keysA)
        #expect(try keys([topicB]) == [forged(otherTopic)])
        #expect(try keys([topicA, topicB]) == (keysA + [forged(otherTopic)]).sorted())
        // A page that ends inside the collision continues inside it.
        let first = try store.hashes(HistoryQuery(topics: [topicA, topicB], limit: 1))
        let rest = try store.hashes(HistoryQuery(topics: [topicA, topicB], limit: 1000, cursor: first.next))
        #expect((first.entries + rest.entries).map(\.key) == (keysA + [forged(otherTopic)]).sorted())
        #expect(try store.query(HistoryQuery(topics: [topicB])).envelopes == [otherTopic])

        // Removing a keeps the entry the same-topic envelope still needs; removing that one drops it.
        try removeDirectly(store, a.storeKey)
        #expect(try keys([topicA]) == [forged(sameTopic)])
        try removeDirectly(store, forged(sameTopic))
        #expect(try keys([topicA]) == [])
        #expect(try keys([topicB]) == [forged(otherTopic)])
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
