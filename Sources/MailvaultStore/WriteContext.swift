import CLMDB
import MailvaultCore

/// One write transaction: inserts and removes envelopes, and writes back everything it changed
/// (`finish()`) just before the commit.
///
/// It coordinates the writers of the store's parts: `BlockWriter` packs records into blocks,
/// `IndexRunWriter` writes the topic and hash indexes as runs, `TopicDirectoryWriter` keeps the
/// topic directory, `SyncBucketWriter` the sync buckets; the primary index, the tier index and
/// the counters are kept here. Every key that enters or leaves the primary index goes through
/// `insert` or `remove`, which is what keeps the sync buckets exact. Created
/// by the writer thread for each transaction and dropped after it, so a transaction that is
/// abandoned (full map, full disk) leaves nothing behind in memory either.
final class WriteContext {
    let txn: Transaction
    let dbs: Databases
    let codec: RecordCodec
    let retention: RetentionPolicy
    let tiers: [RetentionTier]
    let blocks: BlockWriter
    let indexRuns: IndexRunWriter
    let directory: TopicDirectoryWriter
    let syncBuckets: SyncBucketWriter
    /// The running totals, written back by `finish()`.
    private(set) var counters: StoreCounters
    /// The largest primary entry, once loaded: a key whose (sent, hash prefix) is above it is
    /// new, so its insert needs no duplicate lookup (and is an append).
    private var lastEntry: PrimaryEntry?
    private var lastEntryLoaded = false

    var primary: PrimaryIndex { PrimaryIndex(txn: txn, dbi: dbs.primary) }

    init(txn: Transaction, dbs: Databases, codec: RecordCodec, retention: RetentionPolicy,
         blockCapacity: Int, knownTopics: KnownTopics) throws(StoreError) {
        self.txn = txn
        self.dbs = dbs
        self.codec = codec
        self.retention = retention
        self.tiers = retention.sortedTiers
        let snapshot = try ReadSnapshot(txn: txn, dbs: dbs)
        counters = try snapshot.counters()
        blocks = try BlockWriter(snapshot: snapshot, codec: codec, capacity: blockCapacity)
        indexRuns = IndexRunWriter(txn: txn, dbs: dbs)
        directory = try TopicDirectoryWriter(snapshot: snapshot, knownTopics: knownTopics)
        syncBuckets = SyncBucketWriter(txn: txn, dbi: dbs.syncBuckets)
    }

    // MARK: Ingest

    /// Stores one prepared envelope unless its key is already present; returns false for a
    /// duplicate.
    func insert(_ item: PreparedEnvelope) throws(StoreError) -> Bool {
        let appends = try sortsLast(item.key)
        // Ingest arrives mostly in time order: only a key not above the largest can exist already.
        if !appends, try location(of: item.key) != nil { return false }
        if Record.kind(ofEncoded: item.record) != .raw { counters.compressed += 1 }
        let location = try blocks.append(record: item.record)
        let entry = PrimaryEntry(key: item.key, location: location)
        try primary.put(entry)
        if appends { lastEntry = entry }
        syncBuckets.added(item.key)
        indexRuns.add(item.key, topic: item.topic, location: location)
        if !tiers.isEmpty {
            try putDuplicateInOrder(dbs.tiers, key: [retention.tier(forPoW: Double(item.pow), sorted: tiers)],
                                    value: item.key.bytes)
        }
        counters.count += 1
        counters.rawBytes += UInt64(item.rawLength)
        counters.storedBytes += UInt64(item.record.count)
        return true
    }

    /// Whether `key`'s (sent, hash prefix) sorts after every stored entry's (loading the
    /// largest on first use).
    private func sortsLast(_ key: EnvelopeKey) throws(StoreError) -> Bool {
        if !lastEntryLoaded {
            lastEntry = try primary.edge(last: true)
            lastEntryLoaded = true
        }
        guard let lastEntry else { return true }
        return (lastEntry.sent, lastEntry.prefix) < (key.sent, PrimaryEntry.prefix(of: key.hash))
    }

    /// Where the record of `key` lies, as this transaction sees it; `nil` when it is absent.
    func location(of key: EnvelopeKey) throws(StoreError) -> Location? {
        for location in try primary.candidates(sent: key.sent, prefix: PrimaryEntry.prefix(of: key.hash))
        where try hash(at: location) == key.hash {
            return location
        }
        return nil
    }

    /// The hash of the envelope whose record lies at `location`.
    func hash(at location: Location) throws(StoreError) -> Hash256 {
        let dictionaries = DictionarySource(txn: txn, meta: dbs.meta)
        return try withRecord(at: location) { (record) throws(StoreError) in try codec.hash(of: record, dictionaries: dictionaries) }
    }

    /// The hashes of the envelopes whose records lie at `locations`, hashed together in the
    /// keccak SIMD lanes (each RLP copied once into one buffer).
    func hashes(at locations: [Location]) throws(StoreError) -> [Hash256] {
        let dictionaries = DictionarySource(txn: txn, meta: dbs.meta)
        var joined: [UInt8] = []
        var ends: [Int] = []
        ends.reserveCapacity(locations.count)
        for location in locations {
            try withRecord(at: location) { (record) throws(StoreError) in
                if record.kind == .raw {
                    joined.append(contentsOf: record.payload)
                } else {
                    joined.append(contentsOf: try codec.rlp(of: record, dictionaries: dictionaries))
                }
            }
            ends.append(joined.count)
        }
        return joined.withUnsafeBytes { all in
            var start = 0
            var messages: [UnsafeRawBufferPointer] = []
            messages.reserveCapacity(ends.count)
            for end in ends {
                messages.append(UnsafeRawBufferPointer(rebasing: all[start..<end]))
                start = end
            }
            return Keccak256.hash(batch: messages)
        }
    }

    /// The stored keys in order, as this transaction sees them.
    func keyCursor() throws(StoreError) -> KeyCursor {
        try KeyCursor(primary) { (location) throws(StoreError) in try self.hash(at: location) }
    }

    /// Adds a sorted duplicate, with MDB_APPENDDUP when it sorts after the key's last one, so
    /// that indexes fed in time order keep full pages (LMDB splits pages in half otherwise).
    func putDuplicateInOrder(_ dbi: MDB_dbi, key: [UInt8], value: [UInt8]) throws(StoreError) {
        let cursor = try txn.cursor(dbi)
        var flags = MDB_NODUPDATA
        if try cursor.get(MDB_SET, key: key) != nil, let last = try cursor.get(MDB_LAST_DUP),
           last.value.lexicographicallyPrecedes(value) {
            flags = MDB_APPENDDUP
        }
        _ = try cursor.put(key, value, flags: flags)
    }

    // MARK: Removal

    /// Removes one envelope and every index entry that names it.
    func remove(key: EnvelopeKey) throws(StoreError) {
        guard let location = try location(of: key) else { return }
        try remove(key: key, at: location)
    }

    /// Removes the envelope `key` whose record lies at `location`, and every index entry that
    /// names it.
    func remove(key: EnvelopeKey, at location: Location) throws(StoreError) {
        guard try primary.delete(PrimaryEntry(key: key, location: location)) else { return }
        var buckets = BucketsLeft()
        try removeUnindexed(key: key, at: location, buckets: &buckets)
    }

    /// Removes the envelopes whose primary entries are `entries` (sorted, distinct, stored) and
    /// whose hashes are `hashes`: their primary entries in one pass (`PrimaryIndex.delete(sorted:)`),
    /// then the rest of each as `remove(key:at:)` does.
    func remove(sorted entries: [PrimaryEntry], hashes: [Hash256]) throws(StoreError) {
        guard try primary.delete(sorted: entries) == entries.count else {
            throw .corrupt("an envelope to remove had no primary entry")
        }
        var buckets = BucketsLeft()
        for (entry, hash) in zip(entries, hashes) {
            try removeUnindexed(key: EnvelopeKey(sent: entry.sent, hash: hash), at: entry.location, buckets: &buckets)
        }
    }

    /// The entries left in the last primary bucket asked about: removals of one bucket's
    /// envelopes read it once. Valid while the primary index does not change.
    struct BucketsLeft {
        private var bucket: UInt32?
        private var entries: [PrimaryEntry] = []

        mutating func entries(inBucket bucket: UInt32, of primary: PrimaryIndex) throws(StoreError) -> [PrimaryEntry] {
            if bucket != self.bucket {
                entries = try primary.entries(inBucket: bucket) { _ in true }
                self.bucket = bucket
            }
            return entries
        }
    }

    /// Removes every index entry but the primary one (deleted already) that names the envelope
    /// `key` at `location`, and the record.
    private func removeUnindexed(key: EnvelopeKey, at location: Location, buckets: inout BucketsLeft) throws(StoreError) {
        // Entries still waiting to be written as this transaction's run are removed in memory
        // (`IndexRunWriter.remove`), so a removal never writes a run of its own.
        let (topic, pow, length, rawLength, kind) = try withRecord(at: location) { (record) throws(StoreError) in
            (record.topic, tiers.isEmpty ? record.pow : try self.pow(of: record), record.length,
             RecordCodec.rawLength(of: record), record.kind)
        }
        syncBuckets.removed(key)
        if lastEntry == PrimaryEntry(key: key, location: location) { lastEntryLoaded = false }
        // The location makes a topic entry this envelope's alone.
        indexRuns.remove(TopicIndexEntry(topic: topic, key: key, location: location))
        directory.entryRemoved(of: topic)
        if !tiers.isEmpty {
            try txn.delete(dbs.tiers, [retention.tier(forPoW: Double(pow), sorted: tiers)], value: key.bytes)
        }
        // A hash entry (22 bits of prefix, bucket) also serves any other envelope of the
        // bucket whose prefix starts with those bits.
        let hashEntry = HashIndexEntry(key: key)
        if try !buckets.entries(inBucket: hashEntry.bucket, of: primary).contains(where: { hashEntry.matches(prefix: $0.prefix) }) {
            indexRuns.remove(hashEntry)
        }
        counters.count -= 1
        counters.rawBytes -= UInt64(rawLength)
        counters.storedBytes -= UInt64(length)
        if kind == .zstd { counters.compressed -= 1 }
        try blocks.recordRemoved(at: location, length: length)
    }

    /// Re-points the indexes at a record that compaction moved (`BlockWriter.relocate`).
    func moved(_ key: EnvelopeKey, topic: Topic, from old: Location, to new: Location) throws(StoreError) {
        guard try primary.delete(PrimaryEntry(key: key, location: old)) else {
            throw .corrupt("a moved record had no primary entry")
        }
        try primary.put(PrimaryEntry(key: key, location: new))
        if lastEntry == PrimaryEntry(key: key, location: old) { lastEntryLoaded = false }
        indexRuns.remove(TopicIndexEntry(topic: topic, key: key, location: old))
        indexRuns.addMoved(key, topic: topic, location: new)
    }

    /// Frees touched blocks that are empty, and moves the live records out of sparse ones.
    /// Returns the number of records moved.
    func reclaimTouchedBlocks() throws(StoreError) -> Int {
        try blocks.reclaimTouchedBlocks(counters: &counters) { (key, topic, old, new) throws(StoreError) in
            try self.moved(key, topic: topic, from: old, to: new)
        }
    }

    // MARK: Records

    /// Runs `body` on the record at `location`, as this transaction sees it.
    func withRecord<T>(at location: Location, _ body: (Record) throws(StoreError) -> T) throws(StoreError) -> T {
        try blocks.withRecord(at: location, body)
    }

    /// A record's PoW: as recorded, or computed from its envelope when it was left unset (the
    /// envelope was stored without a PoW check and while no retention tier needed one).
    func pow(of record: Record) throws(StoreError) -> Float {
        guard record.pow.isNaN else { return record.pow }
        return Float(try codec.envelope(of: record, dictionaries: DictionarySource(txn: txn, meta: dbs.meta)).pow())
    }

    // MARK: Dictionaries

    /// Records a zstd dictionary under the next id and makes it the newest; returns the id.
    func addDictionary(_ bytes: [UInt8]) throws(StoreError) -> UInt32 {
        let newest = try DictionarySource(txn: txn, meta: dbs.meta).newest() ?? 0
        guard newest < UInt32.max else { throw .corrupt("zstd dictionary ids are exhausted") }
        let id = newest + 1
        try txn.put(dbs.meta, Schema.Meta.dictionary(id), bytes)
        try txn.put(dbs.meta, Schema.Meta.dictionaries, BigEndian.bytes(id))
        return id
    }

    // MARK: Commit

    /// Writes this transaction's index run, the open block, the block bookkeeping, the sync
    /// buckets and the counters into the transaction.
    func finish() throws(StoreError) {
        try syncBuckets.finish()
        try indexRuns.flush(into: directory)
        try indexRuns.merge()
        try indexRuns.dropEmptyRuns()
        try directory.prune(runs: try indexRuns.runs())
        try blocks.finish()
        try counters.write(txn, dbs)
    }

    /// Called by the writer once this transaction is durable.
    func didCommit() {
        directory.didCommit()
    }
}
