import CLMDB
import MailvaultCore

/// Keeps the topic directory (`TopicDirectory`) exact within one write transaction: a topic is
/// put with its first index entry and taken out by the commit that deletes its last one.
///
/// Topics the writer already knows are in the committed directory (`KnownTopics`, shared by the
/// writer's transactions) cost ingest nothing; what this transaction adds becomes known only
/// once it is durable (`didCommit`).
final class TopicDirectoryWriter {
    private let txn: Transaction
    private let dbs: Databases
    /// Topics the writer knows the directory holds.
    private let knownTopics: KnownTopics
    /// Topics this transaction found or put in the directory: known once it commits.
    private var addedTopics: Set<Topic> = []
    /// Topics whose index entries this transaction deleted: out of the directory at `prune`
    /// unless another entry remains.
    private var removedTopics: Set<Topic> = []
    /// The count of commits that pruned the directory, this one included once it prunes.
    private var prunes: UInt64

    init(snapshot: ReadSnapshot, knownTopics: KnownTopics) throws(StoreError) {
        txn = snapshot.txn
        dbs = snapshot.dbs
        self.knownTopics = knownTopics
        prunes = try snapshot.counter(Schema.Meta.topicPrunes)
        knownTopics.validate(prunes: prunes)
    }

    /// Puts `topic` in the directory unless the writer knows it is there.
    func add(_ topic: Topic) throws(StoreError) {
        guard !knownTopics.contains(topic), !addedTopics.contains(topic) else { return }
        // Present already (a topic the writer has not met since the store opened) is fine.
        try txn.put(dbs.topicDirectory, TopicDirectory.key(topic), [], flags: MDB_NOOVERWRITE)
        addedTopics.insert(topic)
    }

    /// Notes that an index entry of `topic` was deleted.
    func entryRemoved(of topic: Topic) {
        removedTopics.insert(topic)
    }

    /// Takes out of the directory each topic this transaction deleted entries of and that no
    /// run indexes any more.
    func prune(runs: [IndexRuns.Run]) throws(StoreError) {
        guard !removedTopics.isEmpty else { return }
        var pruned = false
        for topic in removedTopics where try !TopicDirectory.isIndexed(topic, runs: runs, txn, dbs) {
            try txn.delete(dbs.topicDirectory, TopicDirectory.key(topic))
            knownTopics.remove(topic)
            addedTopics.remove(topic)
            pruned = true
        }
        removedTopics = []
        if pruned {
            prunes += 1
            try txn.put(dbs.meta, Schema.Meta.topicPrunes, BigEndian.bytes(prunes))
        }
    }

    /// Called once the transaction is durable: its topics are in the committed directory.
    func didCommit() {
        knownTopics.committed(addedTopics, prunes: prunes)
    }
}
