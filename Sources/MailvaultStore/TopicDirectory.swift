import CLMDB
import MailvaultCore

/// The distinct topics the store holds, keyed so that a bloom query reads only the topics its
/// filter could accept (schema 5; see Docs/Storage.md).
///
/// A key is `BE16(Bloom.lastIndex(of: topic)) ++ BE32(topic)` with an empty value. A filter
/// accepts a topic only if the topic's last bloom bit is set in it, so a query walks the keys
/// under each of the filter's set bits (a 10-topic filter has at most 30 of 512) and tests
/// each topic's bloom once. The writer keeps the directory exact: a topic is added with its
/// first envelope and removed in the transaction that deletes its last one.
enum TopicDirectory {
    static let keyByteCount = 6

    static func key(_ topic: Topic) -> [UInt8] {
        key(bit: UInt16(Bloom.lastIndex(of: topic)), topic: topic.rawValue)
    }

    private static func key(bit: UInt16, topic: UInt32) -> [UInt8] {
        var key: [UInt8] = []
        key.reserveCapacity(keyByteCount)
        BigEndian.append(bit, to: &key)
        BigEndian.append(topic, to: &key)
        return key
    }

    /// The stored topics whose bloom `filter` accepts.
    static func topics(matching filter: Bloom, _ txn: Transaction, _ dbi: MDB_dbi) throws(StoreError) -> Set<Topic> {
        var topics: Set<Topic> = []
        let cursor = try txn.cursor(dbi)
        for bit in filter.setBits {
            let prefix = UInt16(bit)
            var entry = try cursor.get(MDB_SET_RANGE, key: key(bit: prefix, topic: 0))
            while let current = entry {
                guard current.key.count == keyByteCount else {
                    throw .corrupt("a topic directory key of \(current.key.count) bytes")
                }
                guard BigEndian.uint16(current.key) == prefix else { break }
                let topic = Topic(rawValue: BigEndian.uint32(current.key, at: 2))
                if filter.matches(topic.bloom) { topics.insert(topic) }
                entry = try cursor.get(MDB_NEXT)
            }
        }
        return topics
    }

    /// Every distinct topic of a version 4-6 topic index (`dbs` holding version 6's handles),
    /// read from the runs themselves: in each run, one seek per topic to the first entry of the
    /// next topic value. Builds the directory of a store migrated from schema 4 or older.
    static func indexedTopics(_ txn: Transaction, _ dbs: Databases) throws(StoreError) -> Set<Topic> {
        var topics: Set<Topic> = []
        let cursor = try txn.cursor(dbs.topics)
        for run in try IndexRuns.runs(txn, dbs) {
            let runKey = IndexRuns.key(run: run.id)
            var entry = try cursor.get(MDB_SET_KEY, key: runKey)
            while let current = entry {
                guard current.value.count == Version6TopicIndexEntry.byteCount else {
                    throw .corrupt("a topic index value of \(current.value.count) bytes")
                }
                let topic = BigEndian.uint32(current.value)
                topics.insert(Topic(rawValue: topic))
                guard topic < UInt32.max else { break }
                let next = Version6TopicIndexEntry(topic: Topic(rawValue: topic + 1), sent: 0, prefix: 0)
                entry = try cursor.get(MDB_GET_BOTH_RANGE, key: runKey, value: next.bytes)
            }
        }
        return topics
    }

    /// Whether any run of the topic index still holds an entry for `topic`.
    static func isIndexed(_ topic: Topic, runs: [IndexRuns.Run], _ txn: Transaction, _ dbs: Databases) throws(StoreError) -> Bool {
        var cursor = try PackedRunCursor<TopicIndexEntry>(txn: txn, dbi: dbs.topics)
        let first = TopicIndexEntry.first(topic: topic, sent: 0)
        for run in runs where try cursor.seek(run: run.id, atLeast: first)?.topic == topic {
            return true
        }
        return false
    }
}

/// The topics the writer knows to be in the committed directory, so that ingest touches the
/// directory only for a topic it has not seen. Used by the writer thread alone; a topic is
/// added only after the commit that holds it (an aborted transaction adds nothing), and may be
/// dropped at any time (it is then put again, a no-op when present). Valid only as of
/// `prunes`, the store's count of pruning commits: when another process's writer has pruned
/// since, the set is emptied.
final class KnownTopics: @unchecked Sendable {
    private(set) var topics: Set<Topic> = []
    private(set) var prunes: UInt64 = 0

    func contains(_ topic: Topic) -> Bool { topics.contains(topic) }
    func remove(_ topic: Topic) { topics.remove(topic) }

    /// Forgets every topic unless `prunes` is the count the set was valid for.
    func validate(prunes current: UInt64) {
        guard current != prunes else { return }
        topics = []
        prunes = current
    }

    /// After a commit: its topics are in the directory as of its prune count.
    func committed(_ added: Set<Topic>, prunes current: UInt64) {
        topics.formUnion(added)
        prunes = current
    }
}
