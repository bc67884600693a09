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
    /// The largest primary key, once loaded: a key above it is new, so its insert needs no
    /// duplicate lookup and is an append.
    private var lastKey: EnvelopeKey?
    private var lastKeyLoaded = false

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
        // The key and location are built on the stack: no array per envelope on this path.
        var keyWords = item.key.wireWords
        return try withUnsafeBytes(of: &keyWords) { (keyBytes) throws(StoreError) -> Bool in
            let appends = try sortsLast(item.key)
            // Ingest arrives mostly in time order: only a key below the largest can exist already.
            if !appends, try txn.get(dbs.envelopes, keyBytes) != nil { return false }
            if Record.kind(ofEncoded: item.record) != .raw { counters.compressed += 1 }
            var location = try blocks.append(record: item.record).wireWords
            let stored = try withUnsafeBytes(of: &location) { (value) throws(StoreError) -> Bool in
                try txn.put(dbs.envelopes, keyBytes, UnsafeRawBufferPointer(rebasing: value[0..<Location.byteCount]),
                            flags: appends ? MDB_APPEND : MDB_NOOVERWRITE)
            }
            guard stored else { throw .corrupt("an envelope key appeared twice in one transaction") }
            if appends { lastKey = item.key }
            syncBuckets.added(item.key)
            indexRuns.add(item.key, topic: item.topic)
            if !tiers.isEmpty {
                try putDuplicateInOrder(dbs.tiers, key: [retention.tier(forPoW: Double(item.pow), sorted: tiers)],
                                        value: Array(keyBytes))
            }
            counters.count += 1
            counters.rawBytes += UInt64(item.rawLength)
            counters.storedBytes += UInt64(item.record.count)
            return true
        }
    }

    /// Whether `key` sorts after every stored key (loading the largest on first use).
    private func sortsLast(_ key: EnvelopeKey) throws(StoreError) -> Bool {
        if !lastKeyLoaded {
            let cursor = try txn.cursor(dbs.envelopes)
            lastKey = try cursor.get(MDB_LAST).flatMap { $0.key.count == EnvelopeKey.byteCount ? EnvelopeKey(raw: $0.key) : nil }
            lastKeyLoaded = true
        }
        return lastKey.map { $0 < key } ?? true
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
        // The entries to delete may still be waiting to be written as this transaction's run.
        try indexRuns.flush(into: directory)
        let keyBytes = key.bytes
        guard let raw = try txn.get(dbs.envelopes, keyBytes) else { return }
        let location = try Location(raw: raw)
        let (topic, pow, length, rawLength, kind) = try withRecord(at: location) { (record) throws(StoreError) in
            (record.topic, tiers.isEmpty ? record.pow : try self.pow(of: record), record.length,
             RecordCodec.rawLength(of: record), record.kind)
        }
        try txn.delete(dbs.envelopes, keyBytes)
        syncBuckets.removed(key)
        if lastKey == key { lastKeyLoaded = false }
        let (hashShared, topicShared) = try sharedEntries(of: key, topic: topic)
        if !topicShared {
            try indexRuns.remove(TopicIndexEntry(topic: topic, key: key))
            directory.entryRemoved(of: topic)
        }
        if !tiers.isEmpty {
            try txn.delete(dbs.tiers, [retention.tier(forPoW: Double(pow), sorted: tiers)], value: keyBytes)
        }
        if !hashShared {
            try indexRuns.remove(HashIndexEntry(key: key))
        }
        counters.count -= 1
        counters.rawBytes -= UInt64(rawLength)
        counters.storedBytes -= UInt64(length)
        if kind == .zstd { counters.compressed -= 1 }
        try blocks.recordRemoved(at: location, length: length)
    }

    /// Whether another stored envelope shares the removed `key`'s hash index entry (same sent
    /// time and hash[0..<4]) or its topic index entry (same topic, sent time and hash[0..<8]).
    /// Such envelopes sit next to where `key` was in the primary index; there is almost never one.
    private func sharedEntries(of key: EnvelopeKey, topic: Topic) throws(StoreError) -> (hash: Bool, topic: Bool) {
        let cursor = try txn.cursor(dbs.envelopes)
        let hashPrefix = HashIndexEntry(key: key)
        var shared = (hash: false, topic: false)
        var entry = try cursor.get(MDB_SET_RANGE, key: EnvelopeKey(sent: key.sent, hash: Hash256(
            w0: key.hash.w0 & 0xFFFF_FFFF_0000_0000, w1: 0, w2: 0, w3: 0)).bytes)
        while let current = entry, current.key.count == EnvelopeKey.byteCount {
            let other = EnvelopeKey(raw: current.key)
            guard HashIndexEntry(key: other) == hashPrefix else { break }
            shared.hash = true
            if KeyPrefix(other) == KeyPrefix(key) {
                let otherTopic = try withRecord(at: try Location(raw: current.value)) { (record) throws(StoreError) in
                    record.topic
                }
                if otherTopic == topic { shared.topic = true }
            }
            entry = try cursor.get(MDB_NEXT)
        }
        return shared
    }

    /// Frees touched blocks that are empty, and moves the live records out of sparse ones.
    /// Returns the number of records moved.
    func reclaimTouchedBlocks() throws(StoreError) -> Int {
        try blocks.reclaimTouchedBlocks(counters: &counters)
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
