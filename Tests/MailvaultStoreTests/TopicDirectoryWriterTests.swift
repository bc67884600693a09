import Foundation
import MailvaultCore
@testable import MailvaultStore
import Testing

@Suite("The topic directory stays exact (TopicDirectoryWriter)")
struct TopicDirectoryWriterTests {
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
        #expect(try store.directoryTopics() == Set(factory.topics))
        for (index, cutoff) in [50_100, 50_450, 50_460, 51_000].enumerated() {
            _ = try await store.sweep(now: UInt32(cutoff) + RetentionPolicy().maximumAge)
            let kept = envelopes.filter { $0.sentTime >= UInt32(cutoff) }
            #expect(try store.directoryTopics() == Set(kept.map(\.topic)), "cutoff \(cutoff)")
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
                #expect(try store.directoryTopics().contains(factory.topics[0]))
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
        #expect(try store.directoryTopics() == [b])
        // This store's writer had seen a committed; it must not trust that any more.
        let back = factory.envelope(sent: 200, topic: a)
        _ = try await store.ingest([back])
        #expect(try store.directoryTopics() == [a, b])
        #expect(try store.hashes(HistoryQuery(bloom: a.bloom, limit: 10)).entries.map(\.hash).contains(back.hash))
        store.close()
    }
}
