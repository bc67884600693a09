import CLMDB
import Foundation
import MailvaultCore
@testable import MailvaultStore
import Testing

@Suite("ReadSnapshot: the one record reader and the meta counters")
struct ReadSnapshotTests {
    /// What a reader can tell of a record without decoding it, and the envelope it decodes to.
    private struct Seen: Equatable {
        let topic: Topic
        let powBits: UInt32
        let length: Int
        let rawLength: Int
        let kind: Record.Kind
        let envelope: Envelope
    }

    @Test("a committed record reads the same from a read snapshot as the writer saw it, open block included")
    func readerAgreesWithWriter() async throws {
        let directory = TemporaryDirectory("snapshot")
        defer { directory.remove() }
        var factory = EnvelopeFactory(seed: 51)
        let store = try EnvelopeStore.open(at: directory.path)
        defer { store.close() }
        // Earlier commits fill whole blocks; the last batch goes to the open block of a write
        // transaction that reads it back before `finish()` writes the block.
        let committed = (0..<300).map { factory.envelope(sent: UInt32(1000 + $0), maximumLength: 900) }
        _ = try await store.ingest(committed)
        let fresh = (0..<40).map { factory.envelope(sent: UInt32(2000 + $0), maximumLength: 900) }
        let batch = try store.prepare(fresh, work: nil)
        let (dbs, codec, capacity) = (store.dbs, store.codec, store.blockCapacity)
        let written: [EnvelopeKey: Seen] = try store.environment.write { (txn) throws(StoreError) in
            let context = try WriteContext(txn: txn, dbs: dbs, codec: codec, retention: RetentionPolicy(),
                                           blockCapacity: capacity, knownTopics: KnownTopics())
            _ = try batch.insert(into: context)
            var seen: [EnvelopeKey: Seen] = [:]
            for envelope in committed + fresh {
                guard let location = try context.location(of: envelope.storeKey) else {
                    throw StoreError.corrupt("the writer lost \(envelope.storeKey)")
                }
                seen[envelope.storeKey] = try context.withRecord(at: location) { (record) throws(StoreError) in
                    try ReadSnapshotTests.seen(record, codec: codec, txn: txn, dbs: dbs)
                }
            }
            try context.finish()
            return seen
        }
        #expect(written.count == committed.count + fresh.count)
        let read: [EnvelopeKey: Seen] = try store.read { (snapshot) throws(StoreError) in
            var seen: [EnvelopeKey: Seen] = [:]
            for envelope in committed + fresh {
                seen[envelope.storeKey] = try snapshot.withRecord(key: envelope.storeKey, codec: codec) { (record) throws(StoreError) in
                    try ReadSnapshotTests.seen(record, codec: codec, txn: snapshot.txn, dbs: snapshot.dbs)
                }
            }
            return seen
        }
        #expect(read == written)
        for envelope in committed + fresh {
            #expect(read[envelope.storeKey]?.envelope == envelope)
        }
        let absent = factory.envelope(sent: 5000)
        #expect(try store.read { (snapshot) throws(StoreError) in
            try snapshot.withRecord(key: absent.storeKey, codec: store.codec) { (record) throws(StoreError) in record.topic }
        } == nil)
    }

    @Test("the meta counters are the sums over the stored records, through ingest and sweeps")
    func countersAreSums() async throws {
        let directory = TemporaryDirectory("counters")
        defer { directory.remove() }
        var factory = EnvelopeFactory(seed: 53)
        let store = try EnvelopeStore.open(at: directory.path)
        defer { store.close() }
        for round in 0..<4 {
            let batch = (0..<150).map { factory.envelope(sent: UInt32(100 * round + $0 % 100), maximumLength: 800) }
            _ = try await store.ingest(batch)
            try checkCounters(store)
        }
        _ = try await store.sweep(now: 250 + RetentionPolicy().maximumAge, batch: 70)
        try checkCounters(store)
        #expect(try store.stats().envelopes > 0)
    }

    private func checkCounters(_ store: EnvelopeStore) throws {
        let (counters, summed) = try store.read { (snapshot) throws(StoreError) -> (StoreCounters, StoreCounters) in
            var summed = StoreCounters(count: 0, rawBytes: 0, storedBytes: 0, compressed: 0)
            var cursor = try PrimaryIndex(txn: snapshot.txn, dbi: snapshot.dbs.primary).entries()
            var entry = try cursor.first()
            while let current = entry {
                try snapshot.withRecord(at: current.location) { (record) throws(StoreError) in
                    summed.count += 1
                    summed.rawBytes += UInt64(RecordCodec.rawLength(of: record))
                    summed.storedBytes += UInt64(record.length)
                    if record.kind == .zstd { summed.compressed += 1 }
                }
                entry = try cursor.next()
            }
            return (try snapshot.counters(), summed)
        }
        #expect(counters == summed)
        let stats = try store.stats()
        #expect((UInt64(stats.envelopes), stats.rawBytes, stats.storedBytes, UInt64(stats.compressedEnvelopes))
            == (counters.count, counters.rawBytes, counters.storedBytes, counters.compressed))
    }

    private static func seen(_ record: Record, codec: RecordCodec, txn: Transaction, dbs: Databases) throws(StoreError) -> Seen {
        Seen(topic: record.topic, powBits: record.pow.bitPattern, length: record.length,
             rawLength: RecordCodec.rawLength(of: record), kind: record.kind,
             envelope: try codec.envelope(of: record, dictionaries: DictionarySource(txn: txn, meta: dbs.meta)))
    }
}
