import CLMDB
import MailvaultCore

/// Packs one write transaction's records into blocks, keeps the blocks' bookkeeping, and frees
/// or empties the blocks that removals left dead.
///
/// New records fill the open block, which stays in memory until `finish()` writes it once per
/// transaction (rather than once per record). A block's size is `capacity`, a whole number of
/// LMDB overflow pages (`Schema.blockPages`); a record larger than that gets a block of its own.
final class BlockWriter {
    private let txn: Transaction
    private let dbs: Databases
    private let codec: RecordCodec
    /// The bytes a block holds at most.
    let capacity: Int
    /// This transaction's view, whose block formats change only with the schema 4 migration.
    private(set) var snapshot: ReadSnapshot

    private var nextBlock: UInt32
    private var openBlock: UInt32?
    private var openBytes: [UInt8] = []
    /// Whether `openBlock` already has a value in `blocks` (written by an earlier commit).
    private var openPersisted = false
    private var openDirty = false
    private var infos: [UInt32: BlockInfo] = [:]
    private var dirtyInfos: Set<UInt32> = []
    /// Blocks that lost records in this transaction: candidates for freeing or compaction.
    private var touchedBlocks: Set<UInt32> = []
    private(set) var blocksFreed = 0

    init(snapshot: ReadSnapshot, codec: RecordCodec, capacity: Int) throws(StoreError) {
        self.snapshot = snapshot
        self.txn = snapshot.txn
        self.dbs = snapshot.dbs
        self.codec = codec
        self.capacity = capacity
        nextBlock = UInt32(truncatingIfNeeded: try snapshot.counter(Schema.Meta.nextBlock))
        if let raw = try txn.get(dbs.meta, Schema.Meta.openBlock), raw.count == 4 {
            let id = BigEndian.uint32(raw)
            if let block = try txn.get(dbs.blocks, BigEndian.bytes(id)) {
                openBlock = id
                openBytes = Array(block)
                openPersisted = true
            }
        }
    }

    // MARK: Records

    /// Places a record in the open block (or a block of its own when it is larger than a block).
    func append(record: [UInt8]) throws(StoreError) -> Location {
        if record.count > capacity {
            let id = try newBlockID()
            try putNewBlock(id, record)
            try update(id) { $0 = BlockInfo(liveRecords: 1, liveBytes: UInt32(record.count), size: UInt32(record.count)) }
            return Location(block: id, offset: 0)
        }
        if openBlock == nil || openBytes.count + record.count > capacity {
            try closeOpenBlock()
            openBlock = try newBlockID()
            openBytes = []
            openBytes.reserveCapacity(capacity)
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

    /// Runs `body` on the record at `location`, as this transaction sees it.
    func withRecord<T>(at location: Location, _ body: (Record) throws(StoreError) -> T) throws(StoreError) -> T {
        try snapshot.withRecord(at: location, unwritten: openBlock.map { ($0, openBytes) }, body)
    }

    /// Notes that the record at `location`, of `length` bytes, is no longer referenced.
    func recordRemoved(at location: Location, length: Int) throws(StoreError) {
        try update(location.block) { info in
            info.liveRecords -= 1
            info.liveBytes -= UInt32(length)
        }
        touchedBlocks.insert(location.block)
    }

    // MARK: Reclaiming

    /// What a relocation tells the indexes: the key, its topic, and where the record was and is.
    typealias Move = (EnvelopeKey, Topic, Location, Location) throws(StoreError) -> Void

    /// Frees touched blocks that are empty, and moves the live records out of sparse ones
    /// (re-encoding older formats' records, whose stored size `counters` then follows), telling
    /// `moved` about each. Returns the number of records moved.
    func reclaimTouchedBlocks(counters: inout StoreCounters, moved didMove: Move) throws(StoreError) -> Int {
        var moved = 0
        for id in touchedBlocks.sorted() where id != openBlock {
            let info = try info(id)
            if info.liveRecords == 0 {
                try freeBlock(id)
            } else if info.isSparse {
                moved += try relocate(block: id, counters: &counters, moved: didMove)
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
    private func relocate(block id: UInt32, counters: inout StoreCounters, moved didMove: Move) throws(StoreError) -> Int {
        let block = try withBlock(id) { (raw) throws(StoreError) in Array(raw) }
        let format = snapshot.blockFormats.format(of: id)
        let dictionaries = snapshot.dictionaries
        let primary = PrimaryIndex(txn: txn, dbi: dbs.primary)
        var moved = 0
        var offset = 0
        try withRawBytes(block) { (raw) throws(StoreError) in
            while offset < raw.count {
                let record = try Record.parse(block: raw, at: offset, format: format)
                let envelope = try codec.envelope(of: record, dictionaries: dictionaries)
                let key = EnvelopeKey(sent: envelope.sentTime, hash: envelope.hash)
                let old = Location(block: id, offset: UInt16(truncatingIfNeeded: offset))
                if try primary.contains(PrimaryEntry(key: key, location: old)) {
                    // An older format's record moves in the current one (same kind and payload).
                    let bytes = format == .version7 ? Array(raw[offset..<(offset + record.length)])
                        : Record.encode(kind: record.kind, topic: record.topic, dictionary: record.dictionary,
                                        payload: record.payload)
                    counters.storedBytes = counters.storedBytes - UInt64(record.length) + UInt64(bytes.count)
                    let location = try append(record: bytes)
                    try didMove(key, record.topic, old, location)
                    moved += 1
                }
                offset += record.length
            }
        }
        return moved
    }

    // MARK: Migrations

    /// The blocks every block written so far is marked as, when a migration changes the record
    /// format: schema 3's records (the migration to schema 4) or schemas 4-6's, with a PoW (the
    /// migration to schema 7).
    enum WrittenFormat {
        case version3
        case version6
    }

    /// Closes the open block and marks every block written so far as holding records of the
    /// older `format`, so that new records go to blocks of the current format (migrations
    /// leave old blocks as they are; compaction re-encodes the records it moves).
    func markWrittenBlocks(as format: WrittenFormat) throws(StoreError) {
        try closeOpenBlock()
        var formats = snapshot.blockFormats
        switch format {
        case .version3: formats.firstVersion4Block = nextBlock
        case .version6: formats.firstVersion7Block = nextBlock
        }
        snapshot = ReadSnapshot(txn: txn, dbs: dbs, blockFormats: formats)
        try txn.put(dbs.meta, format == .version3 ? Schema.Meta.version3Blocks : Schema.Meta.version7Blocks,
                    BigEndian.bytes(nextBlock))
    }

    // MARK: Bookkeeping

    private func info(_ id: UInt32) throws(StoreError) -> BlockInfo {
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
    private func withBlock<T>(_ id: UInt32, _ body: (UnsafeRawBufferPointer) throws(StoreError) -> T) throws(StoreError) -> T {
        if id == openBlock {
            return try withRawBytes(openBytes, body)
        }
        guard let raw = try txn.get(dbs.blocks, BigEndian.bytes(id)) else {
            throw .corrupt("block \(id) is missing")
        }
        return try body(raw)
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

    // MARK: Commit

    /// Writes the open block, the changed bookkeeping and the block counters into the transaction.
    func finish() throws(StoreError) {
        try writeOpenBlock()
        for id in dirtyInfos.sorted() {
            guard let info = infos[id] else { continue }
            try txn.put(dbs.blockInfo, BigEndian.bytes(id), info.bytes)
        }
        dirtyInfos = []
        try txn.put(dbs.meta, Schema.Meta.nextBlock, BigEndian.bytes(UInt64(nextBlock)))
        if let openBlock {
            try txn.put(dbs.meta, Schema.Meta.openBlock, BigEndian.bytes(openBlock))
        } else {
            try txn.delete(dbs.meta, Schema.Meta.openBlock)
        }
    }
}
