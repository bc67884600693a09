import CLMDB
import MailvaultCore

/// The state of one write transaction: the open block being filled, block bookkeeping and
/// counters, all written back by `finish()` just before the commit.
///
/// Created by the writer thread for each transaction and dropped after it, so a transaction
/// that is abandoned (full map, full disk) leaves nothing behind in memory either.
final class WriteContext {
    let txn: Transaction
    let dbs: Databases
    let codec: RecordCodec
    let retention: RetentionPolicy
    let tiers: [RetentionTier]
    let blockCapacity: Int
    /// Which blocks hold schema 3's records (changed only by the migration).
    private(set) var blockFormats: BlockFormats

    private(set) var count: UInt64
    private(set) var rawBytes: UInt64
    private(set) var storedBytes: UInt64
    private var compressed: UInt64
    private var nextBlock: UInt32
    private var openBlock: UInt32?
    private var openBytes: [UInt8] = []
    /// Whether `openBlock` already has a value in `blocks` (written by an earlier commit).
    private var openPersisted = false
    private var openDirty = false
    private var infos: [UInt32: BlockInfo] = [:]
    private var dirtyInfos: Set<UInt32> = []
    /// Blocks that lost records in this transaction: candidates for freeing or compaction.
    private(set) var touchedBlocks: Set<UInt32> = []
    /// The largest primary key, once loaded: a key above it is new, so its insert needs no
    /// duplicate lookup and is an append.
    private var lastKey: EnvelopeKey?
    private var lastKeyLoaded = false
    private(set) var blocksFreed = 0
    /// Index entries of the envelopes inserted by this transaction, written as one run by
    /// `flushIndexRun()` (see `IndexRuns`).
    private var pendingTopics: [TopicIndexEntry] = []
    private var pendingHashes: [HashIndexEntry] = []
    /// The run directory, read on first use and kept current by this transaction's writes.
    private var loadedRuns: [IndexRuns.Run]?
    /// Topics the writer knows the directory holds (shared by the writer's transactions).
    private let knownTopics: KnownTopics
    /// Topics this transaction found or put in the topic directory: known once it commits.
    private var directoryTopics: Set<Topic> = []
    /// Topics whose index entries this transaction deleted: out of the directory at `finish()`
    /// unless another entry remains.
    private var removedTopics: Set<Topic> = []
    /// The count of commits that pruned the directory, this one included once it prunes.
    private var directoryPrunes: UInt64

    init(txn: Transaction, dbs: Databases, codec: RecordCodec, retention: RetentionPolicy,
         blockCapacity: Int, knownTopics: KnownTopics) throws(StoreError) {
        self.txn = txn
        self.knownTopics = knownTopics
        self.dbs = dbs
        self.codec = codec
        self.retention = retention
        self.tiers = retention.sortedTiers
        self.blockCapacity = blockCapacity
        let snapshot = try ReadSnapshot(txn: txn, dbs: dbs)
        count = try snapshot.counter(Schema.Meta.count)
        rawBytes = try snapshot.counter(Schema.Meta.rawBytes)
        storedBytes = try snapshot.counter(Schema.Meta.storedBytes)
        compressed = try snapshot.counter(Schema.Meta.compressed)
        nextBlock = UInt32(truncatingIfNeeded: try snapshot.counter(Schema.Meta.nextBlock))
        blockFormats = snapshot.blockFormats
        directoryPrunes = try snapshot.counter(Schema.Meta.topicPrunes)
        knownTopics.validate(prunes: directoryPrunes)
        if let raw = try txn.get(dbs.meta, Schema.Meta.openBlock), raw.count == 4 {
            let id = BigEndian.uint32(raw)
            if let block = try txn.get(dbs.blocks, BigEndian.bytes(id)) {
                openBlock = id
                openBytes = Array(block)
                openPersisted = true
            }
        }
    }

    // MARK: Ingest

    /// Stores one prepared envelope unless its key is already present; returns false for a
    /// duplicate.
    func insert(_ item: PreparedEnvelope) throws(StoreError) -> Bool {
        var keyWords = item.key.wireWords
        return try withUnsafeBytes(of: &keyWords) { (keyBytes) throws(StoreError) -> Bool in
            let appends = try sortsLast(item.key)
            // Ingest arrives mostly in time order: only a key below the largest can exist already.
            if !appends, try txn.get(dbs.envelopes, keyBytes) != nil { return false }
            if Record.kind(ofEncoded: item.record) != .raw { compressed += 1 }
            var location = try append(record: item.record).wireWords
            let stored = try withUnsafeBytes(of: &location) { (value) throws(StoreError) -> Bool in
                try txn.put(dbs.envelopes, keyBytes, UnsafeRawBufferPointer(rebasing: value[0..<Location.byteCount]),
                            flags: appends ? MDB_APPEND : MDB_NOOVERWRITE)
            }
            guard stored else { throw .corrupt("an envelope key appeared twice in one transaction") }
            if appends { lastKey = item.key }
            pendingTopics.append(TopicIndexEntry(topic: item.topic, key: item.key))
            pendingHashes.append(HashIndexEntry(key: item.key))
            if !tiers.isEmpty {
                try putDuplicateInOrder(dbs.tiers, key: [retention.tier(forPoW: Double(item.pow), sorted: tiers)],
                                        value: Array(keyBytes))
            }
            count += 1
            rawBytes += UInt64(item.rawLength)
            storedBytes += UInt64(item.record.count)
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

    /// Places a record in the open block (or a block of its own when it is larger than a block).
    func append(record: [UInt8]) throws(StoreError) -> Location {
        if record.count > blockCapacity {
            let id = try newBlockID()
            try putNewBlock(id, record)
            try update(id) { $0 = BlockInfo(liveRecords: 1, liveBytes: UInt32(record.count), size: UInt32(record.count)) }
            return Location(block: id, offset: 0)
        }
        if openBlock == nil || openBytes.count + record.count > blockCapacity {
            try closeOpenBlock()
            openBlock = try newBlockID()
            openBytes = []
            openBytes.reserveCapacity(blockCapacity)
            openPersisted = false
        }
        guard let id = openBlock else { throw .corrupt("no open block") }
        let offset = openBytes.count
        openBytes.append(contentsOf: record)
        openDirty = true
        try update(id) { info in
            info.liveRecords += 1
            info.liveBytes += UInt32(record.count)
            info.size = UInt32(self.openBytes.count)
        }
        return Location(block: id, offset: UInt16(offset))
    }

    private func newBlockID() throws(StoreError) -> UInt32 {
        guard nextBlock < UInt32.max else { throw .corrupt("block numbers are exhausted; compact the store") }
        defer { nextBlock += 1 }
        return nextBlock
    }

    private func closeOpenBlock() throws(StoreError) {
        try writeOpenBlock()
        openBlock = nil
        openBytes = []
    }

    private func writeOpenBlock() throws(StoreError) {
        guard let id = openBlock, openDirty else { return }
        if openPersisted {
            try txn.put(dbs.blocks, BigEndian.bytes(id), openBytes)
        } else {
            try putNewBlock(id, openBytes)
        }
        openPersisted = true
        openDirty = false
    }

    /// Writes a block that is not in the database yet: appended (no page split) when its number
    /// is the highest, which it is unless a larger block of a single record was written first.
    private func putNewBlock(_ id: UInt32, _ bytes: [UInt8]) throws(StoreError) {
        if try !txn.put(dbs.blocks, BigEndian.bytes(id), bytes, flags: MDB_APPEND) {
            try txn.put(dbs.blocks, BigEndian.bytes(id), bytes)
        }
    }

    // MARK: Block bookkeeping

    func info(_ id: UInt32) throws(StoreError) -> BlockInfo {
        if let info = infos[id] { return info }
        guard let raw = try txn.get(dbs.blockInfo, BigEndian.bytes(id)) else { return BlockInfo() }
        let info = try BlockInfo(raw: raw)
        infos[id] = info
        return info
    }

    private func update(_ id: UInt32, _ change: (inout BlockInfo) -> Void) throws(StoreError) {
        var info = try info(id)
        change(&info)
        infos[id] = info
        dirtyInfos.insert(id)
    }

    /// The bytes of a block as they will be after this transaction (the open block is in memory).
    func withBlock<T>(_ id: UInt32, _ body: (UnsafeRawBufferPointer) throws(StoreError) -> T) throws(StoreError) -> T {
        if id == openBlock {
            return try withRawBytes(openBytes, body)
        }
        guard let raw = try txn.get(dbs.blocks, BigEndian.bytes(id)) else {
            throw .corrupt("block \(id) is missing")
        }
        return try body(raw)
    }

    func isOpen(_ id: UInt32) -> Bool { id == openBlock }

    // MARK: Removal

    /// Removes one envelope and every index entry that names it.
    func remove(key: EnvelopeKey) throws(StoreError) {
        // The entries to delete may still be waiting to be written as this transaction's run.
        try flushIndexRun()
        let keyBytes = key.bytes
        guard let raw = try txn.get(dbs.envelopes, keyBytes) else { return }
        let location = try Location(raw: raw)
        let (topic, pow, length, rawLength, kind) = try withRecord(at: location) { (record) throws(StoreError) in
            (record.topic, tiers.isEmpty ? record.pow : try self.pow(of: record), record.length,
             RecordCodec.rawLength(of: record), record.kind)
        }
        try txn.delete(dbs.envelopes, keyBytes)
        if lastKey == key { lastKeyLoaded = false }
        let (hashShared, topicShared) = try sharedEntries(of: key, topic: topic)
        if !topicShared {
            // The entry may lie in several runs, one per envelope that had it when it was added.
            let topicEntry = TopicIndexEntry(topic: topic, key: key).bytes
            for run in try runs() {
                try txn.delete(dbs.topics, IndexRuns.key(run: run.id), value: topicEntry)
            }
            removedTopics.insert(topic)
        }
        if !tiers.isEmpty {
            try txn.delete(dbs.tiers, [retention.tier(forPoW: Double(pow), sorted: tiers)], value: keyBytes)
        }
        if !hashShared {
            // Several runs may hold this (prefix, sent) pair, one for each envelope that had it.
            let hashEntry = HashIndexEntry(key: key).bytes
            for run in try runs() {
                try txn.delete(dbs.hashes, IndexRuns.key(run: run.id), value: hashEntry)
            }
        }
        count -= 1
        rawBytes -= UInt64(rawLength)
        storedBytes -= UInt64(length)
        if kind == .zstd { compressed -= 1 }
        try update(location.block) { info in
            info.liveRecords -= 1
            info.liveBytes -= UInt32(length)
        }
        touchedBlocks.insert(location.block)
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

    /// A record's PoW: as recorded, or computed from its envelope when it was left unset (the
    /// envelope was stored without a PoW check and while no retention tier needed one).
    func pow(of record: Record) throws(StoreError) -> Float {
        guard record.pow.isNaN else { return record.pow }
        return Float(try codec.envelope(of: record, dictionaries: DictionarySource(txn: txn, meta: dbs.meta)).pow())
    }

    /// Runs `body` on the record at `location`, as this transaction sees it (the open block is
    /// in memory until `finish()`).
    func withRecord<T>(at location: Location, _ body: (Record) throws(StoreError) -> T) throws(StoreError) -> T {
        try ReadSnapshot(txn: txn, dbs: dbs, blockFormats: blockFormats)
            .withRecord(at: location, unwritten: openBlock.map { ($0, openBytes) }, body)
    }

    /// Frees touched blocks that are empty, and moves the live records out of sparse ones.
    /// Returns the number of records moved.
    func reclaimTouchedBlocks() throws(StoreError) -> Int {
        var moved = 0
        for id in touchedBlocks.sorted() where !isOpen(id) {
            let info = try info(id)
            if info.liveRecords == 0 {
                try freeBlock(id)
            } else if info.isSparse {
                moved += try relocate(block: id)
                try freeBlock(id)
            }
        }
        touchedBlocks = []
        return moved
    }

    private func freeBlock(_ id: UInt32) throws(StoreError) {
        try txn.delete(dbs.blocks, BigEndian.bytes(id))
        try txn.delete(dbs.blockInfo, BigEndian.bytes(id))
        infos[id] = nil
        dirtyInfos.remove(id)
        blocksFreed += 1
    }

    /// Walks a block's records, recomputes each key, and moves the records the primary index
    /// still points at into the open block.
    private func relocate(block id: UInt32) throws(StoreError) -> Int {
        let block = try withBlock(id) { (raw) throws(StoreError) in Array(raw) }
        let format = blockFormats.format(of: id)
        let dictionaries = DictionarySource(txn: txn, meta: dbs.meta)
        var moved = 0
        var offset = 0
        try withRawBytes(block) { (raw) throws(StoreError) in
            while offset < raw.count {
                let record = try Record.parse(block: raw, at: offset, format: format)
                let envelope = try codec.envelope(of: record, dictionaries: dictionaries)
                let key = EnvelopeKey(sent: envelope.sentTime, hash: envelope.hash).bytes
                if let current = try txn.get(dbs.envelopes, key),
                   try Location(raw: current) == Location(block: id, offset: UInt16(truncatingIfNeeded: offset)) {
                    // A schema 3 record moves in the current format (same kind and payload).
                    let bytes = format == .version4 ? Array(raw[offset..<(offset + record.length)])
                        : Record.encode(kind: record.kind, topic: record.topic, pow: record.pow, payload: record.payload)
                    if format == .version3 {
                        storedBytes = storedBytes - UInt64(record.length) + UInt64(bytes.count)
                    }
                    let location = try append(record: bytes)
                    try txn.put(dbs.envelopes, key, location.bytes)
                    moved += 1
                }
                offset += record.length
            }
        }
        return moved
    }

    // MARK: Index runs

    /// The run directory as this transaction sees it.
    func runs() throws(StoreError) -> [IndexRuns.Run] {
        if let loadedRuns { return loadedRuns }
        let runs = try IndexRuns.runs(txn, dbs)
        loadedRuns = runs
        return runs
    }

    private func nextRunID() throws(StoreError) -> UInt32 {
        guard let last = try runs().last else { return 0 }
        guard last.id < UInt32.max else { throw .corrupt("index run numbers are exhausted; compact the store") }
        return last.id + 1
    }

    /// Writes the entries inserted so far as a new level-0 run, and their new topics into the
    /// topic directory.
    private func flushIndexRun() throws(StoreError) {
        guard !pendingTopics.isEmpty else { return }
        let id = try nextRunID()
        let topicEntries = IndexRuns.sortedDistinct(pendingTopics)
        var previous: Topic?
        for entry in topicEntries where entry.topic != previous {
            previous = entry.topic
            try addToDirectory(entry.topic)
        }
        try IndexRuns.write(topicEntries, run: id, into: dbs.topics, txn)
        try IndexRuns.write(IndexRuns.sortedDistinct(pendingHashes), run: id, into: dbs.hashes, txn)
        try txn.put(dbs.runs, BigEndian.bytes(id), [0], flags: MDB_APPEND)
        loadedRuns?.append(IndexRuns.Run(id: id, level: 0))
        pendingTopics = []
        pendingHashes = []
    }

    /// While the newest `fanIn` runs share a level below the top, merges them into one run of
    /// the next level. Levels never increase towards newer runs, so looking at the newest
    /// runs is enough, and the merged run takes the next number so that it is appended too.
    private func mergeIndexRuns() throws(StoreError) {
        var runs = try runs()
        while runs.count >= IndexRuns.fanIn, case let group = Array(runs.suffix(IndexRuns.fanIn)),
              let level = group.first?.level, level < IndexRuns.maximumLevel, group.allSatisfy({ $0.level == level }) {
            guard let last = group.last, last.id < UInt32.max else {
                throw .corrupt("index run numbers are exhausted; compact the store")
            }
            let merged = IndexRuns.Run(id: last.id + 1, level: level + 1)
            try mergeRuns(group, into: merged, dbi: dbs.topics, as: TopicIndexEntry.self)
            try mergeRuns(group, into: merged, dbi: dbs.hashes, as: HashIndexEntry.self)
            for run in group { try txn.delete(dbs.runs, BigEndian.bytes(run.id)) }
            try txn.put(dbs.runs, BigEndian.bytes(merged.id), [merged.level], flags: MDB_APPEND)
            runs.removeLast(IndexRuns.fanIn)
            runs.append(merged)
        }
        loadedRuns = runs
    }

    private func mergeRuns<Entry: IndexEntry>(_ group: [IndexRuns.Run], into merged: IndexRuns.Run, dbi: MDB_dbi,
                                              as: Entry.Type) throws(StoreError) {
        var lists: [[Entry]] = []
        for run in group {
            lists.append(try IndexRuns.entries(of: run.id, in: dbi, txn))
            try IndexRuns.delete(run: run.id, from: dbi, txn)
        }
        try IndexRuns.write(IndexRuns.merge(lists), run: merged.id, into: dbi, txn)
    }

    /// Removes the oldest runs once retention has deleted every envelope they indexed (no
    /// topic entry left); their remaining hash entries name only envelopes that have entries
    /// of their own in other runs.
    private func dropEmptyRuns() throws(StoreError) {
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

    // MARK: Topic directory

    /// Puts `topic` in the topic directory unless the writer knows it is there.
    private func addToDirectory(_ topic: Topic) throws(StoreError) {
        guard !knownTopics.contains(topic), !directoryTopics.contains(topic) else { return }
        // Present already (a topic the writer has not met since the store opened) is fine.
        try txn.put(dbs.topicDirectory, TopicDirectory.key(topic), [], flags: MDB_NOOVERWRITE)
        directoryTopics.insert(topic)
    }

    /// Takes out of the directory each topic this transaction deleted entries of and that no
    /// run indexes any more.
    private func pruneDirectory() throws(StoreError) {
        guard !removedTopics.isEmpty else { return }
        let runs = try runs()
        var pruned = false
        for topic in removedTopics where try !TopicDirectory.isIndexed(topic, runs: runs, txn, dbs) {
            try txn.delete(dbs.topicDirectory, TopicDirectory.key(topic))
            knownTopics.remove(topic)
            directoryTopics.remove(topic)
            pruned = true
        }
        removedTopics = []
        if pruned {
            directoryPrunes += 1
            try txn.put(dbs.meta, Schema.Meta.topicPrunes, BigEndian.bytes(directoryPrunes))
        }
    }

    /// Called by the writer once this transaction is durable.
    func didCommit() {
        knownTopics.committed(directoryTopics, prunes: directoryPrunes)
    }

    /// Brings the indexes and blocks of an older schema to this one.
    ///
    /// Versions 1 and 2 first get version 3's index layout (`migrateToVersion3`). Version 3's
    /// topic entries (`BE32(topic) ++ key`, 40 bytes) are then cut to version 4's 16 bytes,
    /// run by run, and the blocks written so far are marked as holding version 3's records
    /// (`meta/version3Blocks`); the open block is closed, so new records go to new blocks.
    /// Stores of version 4 or older then get their topic directory, built from the runs.
    func migrate(from version: UInt32) throws(StoreError) {
        if version <= 3 { try migrateToVersion4(from: version) }
        for topic in try TopicDirectory.indexedTopics(txn, dbs) {
            try txn.put(dbs.topicDirectory, TopicDirectory.key(topic), [])
        }
    }

    private func migrateToVersion4(from version: UInt32) throws(StoreError) {
        if version <= 2 { try migrateToVersion3(from: version) }
        for run in try runs() {
            let entries: [Version3TopicIndexEntry] = try IndexRuns.entries(of: run.id, in: dbs.topics, txn)
            guard !entries.isEmpty else { continue }
            try IndexRuns.delete(run: run.id, from: dbs.topics, txn)
            // Cutting keys to prefixes keeps the order; entries that become equal are one.
            let cut = IndexRuns.sortedDistinct(entries.map { TopicIndexEntry(topic: $0.topic, key: $0.key) })
            try IndexRuns.write(cut, run: run.id, into: dbs.topics, txn, appending: false)
        }
        try closeOpenBlock()
        blockFormats = BlockFormats(firstVersion4Block: nextBlock)
        try txn.put(dbs.meta, Schema.Meta.version3Blocks, BigEndian.bytes(nextBlock))
    }

    /// Rewrites version 1's or 2's indexes in version 3's layout, then drops them.
    ///
    /// Version 1 kept one tree per index (`BE32(topic)` -> keys, `hash[0..<4]` -> sent): it
    /// becomes one top-level run. Version 2 kept runs as keys `BE32(run) ++ subkey` (topic or
    /// hash prefix) with the rest as values: each run keeps its number and level, and its
    /// entries become `subkey ++ value` under the run's key. Either way the source is read in
    /// key order, which is the target's order, so every put appends.
    private func migrateToVersion3(from version: UInt32) throws(StoreError) {
        if version == 1 {
            let id = try nextRunID()
            let legacy = Schema.version1IndexNames
            for (name, dbi) in [(legacy.topics, dbs.topics), (legacy.hashes, dbs.hashes)] {
                try copyLegacy(name, into: dbi, keyBytes: 4) { _ in id }
            }
            try txn.put(dbs.runs, BigEndian.bytes(id), [IndexRuns.maximumLevel], flags: MDB_APPEND)
            loadedRuns?.append(IndexRuns.Run(id: id, level: IndexRuns.maximumLevel))
        } else if version == 2 {
            let legacy = Schema.version2IndexNames
            for (name, dbi) in [(legacy.topics, dbs.topics), (legacy.hashes, dbs.hashes)] {
                try copyLegacy(name, into: dbi, keyBytes: 8) { BigEndian.uint32($0) }
            }
        }
    }

    /// Copies one legacy index: each (key, value) becomes the value `key.suffix(4) ++ value`
    /// under `BE32(run(key))`.
    private func copyLegacy(_ name: String, into dbi: MDB_dbi, keyBytes: Int,
                            run: (UnsafeRawBufferPointer) -> UInt32) throws(StoreError) {
        guard let old = try txn.openExisting(name, flags: Schema.flags(of: name)) else { return }
        let source = try txn.cursor(old)
        let target = try txn.cursor(dbi)
        var entry = try source.get(MDB_FIRST)
        var previous: UInt32?
        while let current = entry {
            guard current.key.count == keyBytes else {
                throw .corrupt("a legacy '\(name)' key of \(current.key.count) bytes")
            }
            let id = run(current.key)
            let value = Array(current.key.suffix(4)) + Array(current.value)
            guard try target.put(IndexRuns.key(run: id), value, flags: previous == id ? MDB_APPENDDUP : MDB_APPEND) else {
                throw .corrupt("a legacy '\(name)' index is out of order")
            }
            previous = id
            entry = try source.get(MDB_NEXT)
        }
        try txn.dropDatabase(old)
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

    /// Writes this transaction's index run, the open block, the block bookkeeping and the
    /// counters into the transaction.
    func finish() throws(StoreError) {
        try flushIndexRun()
        try mergeIndexRuns()
        try dropEmptyRuns()
        try pruneDirectory()
        try writeOpenBlock()
        for id in dirtyInfos.sorted() {
            guard let info = infos[id] else { continue }
            try txn.put(dbs.blockInfo, BigEndian.bytes(id), info.bytes)
        }
        dirtyInfos = []
        try txn.put(dbs.meta, Schema.Meta.count, BigEndian.bytes(count))
        try txn.put(dbs.meta, Schema.Meta.rawBytes, BigEndian.bytes(rawBytes))
        try txn.put(dbs.meta, Schema.Meta.storedBytes, BigEndian.bytes(storedBytes))
        try txn.put(dbs.meta, Schema.Meta.compressed, BigEndian.bytes(compressed))
        try txn.put(dbs.meta, Schema.Meta.nextBlock, BigEndian.bytes(UInt64(nextBlock)))
        if let openBlock {
            try txn.put(dbs.meta, Schema.Meta.openBlock, BigEndian.bytes(openBlock))
        } else {
            try txn.delete(dbs.meta, Schema.Meta.openBlock)
        }
    }
}
