import CLMDB
import Foundation
import MailvaultBench
import MailvaultCore
@testable import MailvaultStore
import Testing

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init(_ name: String = "store") {
        path = NSTemporaryDirectory() + "mailvault-\(name)-\(UUID().uuidString)"
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Envelopes for tests: random or compressible payloads, topics from a small set.
struct EnvelopeFactory {
    var random: SplitMix64
    var topics: [Topic]

    init(seed: UInt64, topicCount: Int = 8) {
        random = SplitMix64(seed: seed)
        topics = (0..<topicCount).map { Topic(rawValue: UInt32($0) &* 0x0101_0101 &+ 0x0A0B_0C00) }
    }

    mutating func envelope(sent: UInt32, maximumLength: Int = 600, compressible: Bool? = nil,
                           topic: Topic? = nil) -> Envelope {
        let length = Int(random.next() % UInt64(maximumLength + 1))
        let squeeze = compressible ?? (random.next() % 2 == 0)
        var data: [UInt8] = []
        data.reserveCapacity(length)
        for index in 0..<length {
            data.append(squeeze ? UInt8(truncatingIfNeeded: index / 5) : UInt8(truncatingIfNeeded: random.next()))
        }
        let topic = topic ?? topics[Int(random.next() % UInt64(topics.count))]
        return Envelope(expiry: sent &+ 50, ttl: 50, topic: topic, data: data, nonce: random.next())
    }
}

extension Envelope {
    var storeKey: EnvelopeKey { EnvelopeKey(sent: sentTime, hash: hash) }
}

/// Views of a store's databases for tests that check its layout.
extension EnvelopeStore {
    /// The topics in the topic directory, each key checked for its layout.
    func directoryTopics() throws -> Set<Topic> {
        let (dbs, codec) = (dbs, codec)
        return try environment.read { (txn) throws(StoreError) in
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

    /// The runs of the topic and hash indexes, oldest first.
    func runDirectory() throws -> [IndexRuns.Run] {
        let dbs = dbs
        return try environment.read { (txn) throws(StoreError) in try IndexRuns.runs(txn, dbs) }
    }

    /// How many entries the topic index's runs hold, all runs together.
    func topicEntryCount() throws -> Int {
        let dbs = dbs
        return try environment.read { (txn) throws(StoreError) -> Int in
            var count = 0
            for run in try IndexRuns.runs(txn, dbs) {
                count += (try PackedRuns.entries(of: run.id, in: dbs.topics, txn) as [TopicIndexEntry]).count
            }
            return count
        }
    }
}

/// The sync buckets, checked against a recomputation from the primary index.
extension EnvelopeStore {
    /// Every entry of `syncBuckets` by key, and the same buckets recomputed from the stored keys
    /// (one summary per bucket of each level that holds a key). Both from one snapshot.
    func syncBucketsAndRecomputation() throws -> (stored: [[UInt8]: KeySetSummary], recomputed: [[UInt8]: KeySetSummary]) {
        let (dbs, codec) = (dbs, codec)
        return try environment.read { (txn) throws(StoreError) in
            var stored: [[UInt8]: KeySetSummary] = [:]
            let buckets = try txn.cursor(dbs.syncBuckets)
            var entry = try buckets.get(MDB_FIRST)
            while let current = entry {
                #expect(current.key.count == 5)
                stored[Array(current.key)] = KeySetSummary(storedBytes: Array(current.value))
                entry = try buckets.get(MDB_NEXT)
            }
            var recomputed: [[UInt8]: KeySetSummary] = [:]
            // Every stored envelope's key: its entry's sent time, its record's hash.
            let snapshot = try ReadSnapshot(txn: txn, dbs: dbs)
            var primary = try PrimaryIndex(txn: txn, dbi: dbs.primary).entries()
            var position = try primary.first()
            while let current = position {
                // The RLP's keccak256, computed here from the record's bytes (in place when raw).
                let hash = try snapshot.withRecord(at: current.location) { (record) throws(StoreError) -> Hash256 in
                    record.kind == .raw ? Keccak256.hash(record.payload)
                        : Keccak256.hash(try codec.rlp(of: record, dictionaries: snapshot.dictionaries))
                }
                let key = EnvelopeKey(sent: current.sent, hash: hash)
                for (level, width) in [64, 4096, 262_144].enumerated() {
                    let bucket = [UInt8(level)] + BigEndian.bytes(key.sent / UInt32(width))
                    recomputed[bucket, default: .empty].add(KeySetSummary(key.hash))
                }
                position = try primary.next()
            }
            return (stored, recomputed)
        }
    }

    /// Expects the sync buckets to be exactly what the stored keys make them.
    func expectSyncBucketsExact(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (stored, recomputed) = try syncBucketsAndRecomputation()
        #expect(stored.count == recomputed.count, sourceLocation: sourceLocation)
        #expect(stored == recomputed, sourceLocation: sourceLocation)
    }
}

/// The count and hash sum of `keys`, as the store should report them.
func expectedSummary<S: Sequence<EnvelopeKey>>(_ keys: S) -> KeySetSummary {
    keys.reduce(into: KeySetSummary.empty) { $0.add($1.hash) }
}
