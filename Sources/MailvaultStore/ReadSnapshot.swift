import CLMDB
import MailvaultCore

/// One consistent view of the store's databases, and the one place records are read from.
///
/// Readers get one over an LMDB read transaction (`EnvelopeStore`'s reads); the writer gets
/// one over its write transaction, which sees that transaction's own puts. The writer keeps
/// its open block in memory until the commit, so it passes that block as `unwritten`; every
/// other block is read from the transaction in place, without copying.
struct ReadSnapshot {
    let txn: Transaction
    let dbs: Databases
    /// Which blocks hold schema 3's records.
    let blockFormats: BlockFormats

    init(txn: Transaction, dbs: Databases, blockFormats: BlockFormats) {
        self.txn = txn
        self.dbs = dbs
        self.blockFormats = blockFormats
    }

    /// A view whose block formats are read from `meta` (a writer's transaction, which may
    /// have migrated them).
    init(txn: Transaction, dbs: Databases) throws(StoreError) {
        self.init(txn: txn, dbs: dbs, blockFormats: try BlockFormats.read(txn, dbs.meta))
    }

    /// The zstd dictionaries this view holds.
    var dictionaries: DictionarySource { DictionarySource(txn: txn, meta: dbs.meta) }

    // MARK: Records

    /// The records at `locations`, in place (valid while this snapshot's transaction lasts): the
    /// blocks are looked up first and the first bytes of every record prefetched, so that
    /// their cache and TLB misses overlap instead of each waiting for the one before.
    func records(at locations: some Collection<Location>) throws(StoreError) -> [Record] {
        var blocks: [UnsafeRawBufferPointer] = []
        blocks.reserveCapacity(locations.count)
        // Records in time order mostly share a block: one lookup for each run of them.
        var previous: (id: UInt32, block: UnsafeRawBufferPointer)?
        for location in locations {
            let found = previous?.id == location.block ? previous?.block : try txn.get(dbs.blocks, BigEndian.bytes(location.block))
            guard let block = found else { throw .corrupt("block \(location.block) is missing") }
            previous = (location.block, block)
            if Int(location.offset) < block.count, let base = block.baseAddress {
                mailvault_prefetch(base + Int(location.offset))
                mailvault_prefetch(base + Int(location.offset) + 64)
            }
            blocks.append(block)
        }
        var records: [Record] = []
        records.reserveCapacity(blocks.count)
        for (block, location) in zip(blocks, locations) {
            records.append(try Record.parse(block: block, at: Int(location.offset), format: blockFormats.format(of: location.block)))
        }
        return records
    }

    /// The record at `location` of a committed block, in place: its payload points into the
    /// memory map and is valid while this snapshot's transaction lasts (a reader's whole read;
    /// not for the writer's open block, see `withRecord(at:unwritten:_:)`).
    func record(at location: Location) throws(StoreError) -> Record {
        guard let block = try txn.get(dbs.blocks, BigEndian.bytes(location.block)) else {
            throw .corrupt("block \(location.block) is missing")
        }
        return try Record.parse(block: block, at: Int(location.offset), format: blockFormats.format(of: location.block))
    }

    /// Runs `body` on the record at `location`, in place. `unwritten` is a block the caller
    /// holds that the transaction does not have yet (the writer's open block): a record in it
    /// is read from those bytes.
    func withRecord<T>(at location: Location, unwritten: (id: UInt32, bytes: [UInt8])? = nil,
                       _ body: (Record) throws(StoreError) -> T) throws(StoreError) -> T {
        let format = blockFormats.format(of: location.block)
        if let unwritten, unwritten.id == location.block {
            return try withRawBytes(unwritten.bytes) { (block) throws(StoreError) in
                try body(try Record.parse(block: block, at: Int(location.offset), format: format))
            }
        }
        guard let block = try txn.get(dbs.blocks, BigEndian.bytes(location.block)) else {
            throw .corrupt("block \(location.block) is missing")
        }
        return try body(try Record.parse(block: block, at: Int(location.offset), format: format))
    }

    /// Where the record of `key` lies; `nil` when the key is absent.
    func location(of key: EnvelopeKey, codec: RecordCodec) throws(StoreError) -> Location? {
        let primary = PrimaryIndex(txn: txn, dbi: dbs.primary)
        for location in try primary.candidates(sent: key.sent, prefix: PrimaryEntry.prefix(of: key.hash))
        where try hash(at: location, codec: codec) == key.hash {
            return location
        }
        return nil
    }

    /// Runs `body` on the record of `key`, in place; `nil` when the key is absent.
    func withRecord<T>(key: EnvelopeKey, codec: RecordCodec, _ body: (Record) throws(StoreError) -> T) throws(StoreError) -> T? {
        guard let location = try location(of: key, codec: codec) else { return nil }
        return try withRecord(at: location, body)
    }

    /// The hash of the envelope whose record lies at `location` (its RLP's keccak256).
    func hash(at location: Location, codec: RecordCodec) throws(StoreError) -> Hash256 {
        let dictionaries = self.dictionaries
        return try withRecord(at: location) { (record) throws(StoreError) in try codec.hash(of: record, dictionaries: dictionaries) }
    }

    /// The hashes of the records at `locations`, in order, computed together through the
    /// keccak SIMD lanes (`Keccak256.hash(batch:)`; a compressed record is decompressed first).
    func hashes(at locations: [Location], codec: RecordCodec) throws(StoreError) -> [Hash256] {
        guard locations.count > 1 else { return try locations.map { (location) throws(StoreError) in try hash(at: location, codec: codec) } }
        var inflated = InflatedRLPs(codec: codec, dictionaries: dictionaries)
        defer { inflated.free() }
        var messages: [UnsafeRawBufferPointer] = []
        messages.reserveCapacity(locations.count)
        for record in try records(at: locations) { messages.append(try inflated.rlp(of: record)) }
        return Keccak256.hash(batch: messages)
    }

    /// The stored keys in order, each hashed from its record.
    func keyCursor(codec: RecordCodec) throws(StoreError) -> KeyCursor {
        try KeyCursor(PrimaryIndex(txn: txn, dbi: dbs.primary)) { (location) throws(StoreError) in
            try hash(at: location, codec: codec)
        }
    }

    // MARK: Meta

    /// A BE64 counter of `meta` (0 when absent).
    func counter(_ key: [UInt8]) throws(StoreError) -> UInt64 {
        guard let raw = try txn.get(dbs.meta, key) else { return 0 }
        guard raw.count == 8 else { throw .corrupt("meta value '\(String(decoding: key, as: UTF8.self))' has \(raw.count) bytes") }
        return BigEndian.uint64(raw)
    }

    /// The store's running totals.
    func counters() throws(StoreError) -> StoreCounters {
        StoreCounters(count: try counter(Schema.Meta.count), rawBytes: try counter(Schema.Meta.rawBytes),
                      storedBytes: try counter(Schema.Meta.storedBytes), compressed: try counter(Schema.Meta.compressed))
    }

    /// The schema version recorded in `meta`; `nil` in an empty environment.
    func schemaVersion() throws(StoreError) -> UInt32? {
        try txn.get(dbs.meta, Schema.Meta.schema).map { BigEndian.uint32($0) }
    }

    /// The runs of the topic and hash indexes, oldest first.
    func runs() throws(StoreError) -> [IndexRuns.Run] {
        try IndexRuns.runs(txn, dbs)
    }

    /// Pages on LMDB's free list (database 0: transaction id -> list of page numbers).
    func freePages() throws(StoreError) -> Int {
        let cursor = try txn.cursor(0)
        var total = 0
        var entry = try cursor.get(MDB_FIRST)
        while let current = entry {
            // Each value is an ID list whose first word is its length.
            if current.value.count >= MemoryLayout<Int>.size {
                total += current.value.loadUnaligned(as: Int.self)
            }
            entry = try cursor.get(MDB_NEXT)
        }
        return total
    }
}

/// The RLPs of records read together, held until the read that needs them is done: a raw
/// record's in place (valid while its transaction lasts), a compressed one's decompressed into
/// a buffer kept here until `free()`.
struct InflatedRLPs {
    let codec: RecordCodec
    let dictionaries: DictionarySource
    private var buffers: [UnsafeMutableRawBufferPointer] = []

    init(codec: RecordCodec, dictionaries: DictionarySource) {
        self.codec = codec
        self.dictionaries = dictionaries
    }

    /// The record's RLP.
    mutating func rlp(of record: Record) throws(StoreError) -> UnsafeRawBufferPointer {
        guard record.kind != .raw else { return record.payload }
        let rlp = try codec.rlp(of: record, dictionaries: dictionaries)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: rlp.count, alignment: 8)
        rlp.withUnsafeBytes { buffer.copyMemory(from: $0) }
        buffers.append(buffer)
        return UnsafeRawBufferPointer(buffer)
    }

    /// Releases the decompressed RLPs.
    func free() { for buffer in buffers { buffer.deallocate() } }
}
