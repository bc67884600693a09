import CLMDB
import MailvaultCore

/// Writes one transaction's changes to the topic and hash indexes (`IndexRuns`): its new
/// entries as one run, merges of the newest runs, removals, and the dropping of runs retention
/// emptied.
///
/// Entries of inserted envelopes wait in memory and are written at once, sorted, as a run
/// whose puts all append (`MDB_MULTIPLE` per run key), by `flush` at the commit; a removal
/// takes its entries out of the waiting ones as well as out of the runs, so a transaction
/// writes one run however its inserts, removals and moves interleave.
final class IndexRunWriter {
    private let txn: Transaction
    private let dbs: Databases
    private var pendingTopics: [TopicIndexEntry] = []
    private var pendingHashes: [HashIndexEntry] = []
    /// Entries to take out of the runs at `flush`, all together (`PackedRuns.remove`).
    private var removedTopics: [TopicIndexEntry] = []
    private var removedHashes: [HashIndexEntry] = []
    /// The run directory, read on first use and kept current by this transaction's writes.
    private var loadedRuns: [IndexRuns.Run]?

    init(txn: Transaction, dbs: Databases) {
        self.txn = txn
        self.dbs = dbs
    }

    /// The run directory as this transaction sees it.
    func runs() throws(StoreError) -> [IndexRuns.Run] {
        if let loadedRuns { return loadedRuns }
        let runs = try IndexRuns.runs(txn, dbs)
        loadedRuns = runs
        return runs
    }

    /// The number the next run takes: one above the newest.
    func nextRunID() throws(StoreError) -> UInt32 {
        guard let last = try runs().last else { return 0 }
        guard last.id < UInt32.max else { throw .corrupt("index run numbers are exhausted; compact the store") }
        return last.id + 1
    }

    /// Records a run whose entries were just written, as the newest.
    func recordRun(_ run: IndexRuns.Run) throws(StoreError) {
        try txn.put(dbs.runs, BigEndian.bytes(run.id), run.directoryValue, flags: MDB_APPEND)
        loadedRuns?.append(run)
    }

    // MARK: Adding

    /// Queues the index entries of an inserted envelope for this transaction's run.
    func add(_ key: EnvelopeKey, topic: Topic, location: Location) {
        pendingTopics.append(TopicIndexEntry(topic: topic, key: key, location: location))
        pendingHashes.append(HashIndexEntry(key: key))
    }

    /// Queues the entries of a record moved to `location`. Its hash entry is written again
    /// with the new topic entry: the run that holds the old one is dropped once its topic
    /// entries are gone (`dropEmptyRuns`), and must not take this envelope's hash entry with it.
    func addMoved(_ key: EnvelopeKey, topic: Topic, location: Location) {
        add(key, topic: topic, location: location)
    }

    /// Takes the removed entries out of the runs, then writes the entries queued so far as a
    /// new level-0 run, and their new topics into the topic directory.
    func flush(into directory: TopicDirectoryWriter) throws(StoreError) {
        try applyRemovals()
        guard !pendingTopics.isEmpty else { return }
        let id = try nextRunID()
        let topicEntries = IndexRuns.sortedDistinct(pendingTopics)
        var previous: Topic?
        for entry in topicEntries where entry.topic != previous {
            previous = entry.topic
            try directory.add(entry.topic)
        }
        try PackedRuns.write(topicEntries, run: id, into: dbs.topics, txn)
        try PackedRuns.write(IndexRuns.sortedDistinct(pendingHashes), run: id, into: dbs.hashes, txn)
        try recordRun(IndexRuns.Run(id: id, level: 0, sent: IndexRuns.Run.span(of: topicEntries)))
        pendingTopics = []
        pendingHashes = []
    }

    // MARK: Removing

    /// Deletes a topic entry from this transaction's entries not written yet (a record moved
    /// earlier in the transaction), and from every run at `flush`.
    func remove(_ entry: TopicIndexEntry) {
        if let pending = pendingTopics.lastIndex(of: entry) { pendingTopics.remove(at: pending) }
        removedTopics.append(entry)
    }

    /// Deletes one of this transaction's hash entries not written yet, and the entry from every
    /// run (several may hold this (prefix, bucket) pair, one for each envelope that had it) at
    /// `flush`.
    func remove(_ entry: HashIndexEntry) {
        if let pending = pendingHashes.lastIndex(of: entry) { pendingHashes.remove(at: pending) }
        removedHashes.append(entry)
    }

    /// Takes the removed entries out of every run whose span of sent times may hold them: a
    /// retention sweep's envelopes are old, so only the oldest runs are read, and a chunk that
    /// holds several of them is rewritten once.
    private func applyRemovals() throws(StoreError) {
        if !removedTopics.isEmpty {
            let targets = IndexRuns.sortedDistinct(removedTopics)
            removedTopics = []
            for run in try runs() {
                let held = targets.filter { run.sent.contains($0.sent) }
                if !held.isEmpty { try PackedRuns.remove(held, run: run.id, from: dbs.topics, txn) }
            }
        }
        if !removedHashes.isEmpty {
            let targets = IndexRuns.sortedDistinct(removedHashes)
            removedHashes = []
            for run in try runs() {
                let held = targets.filter { run.overlaps($0.sentTimes) }
                if !held.isEmpty { try PackedRuns.remove(held, run: run.id, from: dbs.hashes, txn) }
            }
        }
    }

    // MARK: Merging and dropping

    /// While the newest `fanIn` runs share a level below the top, merges them into one run of
    /// the next level. Levels never increase towards newer runs, so looking at the newest
    /// runs is enough, and the merged run takes the next number so that it is appended too.
    func merge() throws(StoreError) {
        var runs = try runs()
        while runs.count >= IndexRuns.fanIn, case let group = Array(runs.suffix(IndexRuns.fanIn)),
              let level = group.first?.level, level < IndexRuns.maximumLevel, group.allSatisfy({ $0.level == level }) {
            guard let last = group.last, last.id < UInt32.max else {
                throw .corrupt("index run numbers are exhausted; compact the store")
            }
            let merged = IndexRuns.Run(id: last.id + 1, level: level + 1,
                                       sent: group.map(\.sent.lowerBound).min()!...group.map(\.sent.upperBound).max()!)
            try mergeRuns(group, into: merged, dbi: dbs.topics, as: TopicIndexEntry.self)
            try mergeRuns(group, into: merged, dbi: dbs.hashes, as: HashIndexEntry.self)
            for run in group { try txn.delete(dbs.runs, BigEndian.bytes(run.id)) }
            try txn.put(dbs.runs, BigEndian.bytes(merged.id), merged.directoryValue, flags: MDB_APPEND)
            runs.removeLast(IndexRuns.fanIn)
            runs.append(merged)
        }
        loadedRuns = runs
    }

    private func mergeRuns<Entry: PackedEntry>(_ group: [IndexRuns.Run], into merged: IndexRuns.Run, dbi: MDB_dbi,
                                              as: Entry.Type) throws(StoreError) {
        var lists: [[Entry]] = []
        for run in group {
            lists.append(try PackedRuns.entries(of: run.id, in: dbi, txn))
            try IndexRuns.delete(run: run.id, from: dbi, txn)
        }
        try PackedRuns.write(IndexRuns.merge(lists), run: merged.id, into: dbi, txn)
    }

    /// Removes the oldest runs once retention has deleted every envelope they indexed (no
    /// topic entry left); their remaining hash entries name only envelopes that have entries
    /// of their own in other runs.
    func dropEmptyRuns() throws(StoreError) {
        var runs = try runs()
        while let oldest = runs.first, runs.count > 1 {
            let runKey = IndexRuns.key(run: oldest.id)
            // Deleting a run's last topic entry deleted its key.
            if try txn.get(dbs.topics, runKey) != nil { break }
            try IndexRuns.delete(run: oldest.id, from: dbs.hashes, txn)
            try txn.delete(dbs.runs, runKey)
            runs.removeFirst()
        }
        loadedRuns = runs
    }
}
