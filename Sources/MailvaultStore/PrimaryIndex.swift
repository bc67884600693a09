import CLMDB
import MailvaultCore

/// One entry of the primary index: an envelope's sent time, the first three bytes of its hash
/// and where its record lies. The rest of the hash is not stored anywhere: it is the
/// keccak256 of the record's RLP, computed when a key is needed (`KeyCursor`).
///
/// Entries order by (sent, hash prefix, location), which is the keys' order except among
/// entries that share their sent time and hash prefix; `KeyCursor` sorts those by hash. Three
/// bytes are plenty to tell envelopes apart: at a hundred million a month, 2,400 share a
/// 64-second bucket, and a lookup by hash meets a second entry with its prefix once in 7,000.
/// In full the entry is `BE32(sent) ++ hash[0..<3] ++ BE32(block) ++ BE16(offset)` (13 bytes,
/// in its order as bytes); schema 10 stores it packed (`PrimaryIndex`). Schemas 7-9 kept four
/// hash bytes, in 11-byte duplicates of 64-second buckets (`init(version9Bucket:value:)`).
struct PrimaryEntry: Hashable {
    /// log2 of a bucket's width in seconds: the hash index names primary buckets of 64 seconds
    /// (`HashIndexEntry`), as schemas 7-9 keyed the primary index.
    static let bucketShift: UInt32 = 6
    static let lowMask: UInt32 = 1 << bucketShift - 1

    /// The bits of a hash's first four bytes an entry keeps (its first three bytes).
    static let prefixMask: UInt32 = 0xFFFF_FF00

    let sent: UInt32
    /// The hash's first three bytes, as the high bytes of a big-endian integer (the low byte 0).
    let prefix: UInt32
    let location: Location

    /// The entry; `prefix` is cut to its first three bytes.
    init(sent: UInt32, prefix: UInt32, location: Location) {
        self.sent = sent
        self.prefix = prefix & PrimaryEntry.prefixMask
        self.location = location
    }

    init(key: EnvelopeKey, location: Location) {
        self.init(sent: key.sent, prefix: PrimaryEntry.prefix(of: key.hash), location: location)
    }

    /// The smallest entry at (sent, prefix), whatever its location.
    static func first(sent: UInt32, prefix: UInt32) -> PrimaryEntry {
        PrimaryEntry(sent: sent, prefix: prefix, location: Location(block: 0, offset: 0))
    }

    /// The prefix an entry keeps of `hash`: its first three bytes, as the high bytes of a
    /// big-endian integer.
    static func prefix(of hash: Hash256) -> UInt32 { UInt32(truncatingIfNeeded: hash.w0 >> 32) & prefixMask }

    /// The 64-second bucket of the entry's sent time.
    var bucket: UInt32 { sent >> PrimaryEntry.bucketShift }
}

extension PrimaryEntry: IndexEntry {
    static let byteCount = 13

    init(raw: UnsafeRawBufferPointer) {
        self.init(sent: BigEndian.uint32(raw), prefix: PrimaryEntry.prefix(raw, at: 4),
                  location: Location(block: BigEndian.uint32(raw, at: 7), offset: BigEndian.uint16(raw, at: 11)))
    }

    func write(to out: UnsafeMutableRawPointer) {
        out.storeBytes(of: sent.bigEndian, toByteOffset: 0, as: UInt32.self)
        out.storeBytes(of: prefix.bigEndian, toByteOffset: 4, as: UInt32.self)
        // The block overwrites the prefix's fourth (zero) byte.
        out.storeBytes(of: location.block.bigEndian, toByteOffset: 7, as: UInt32.self)
        out.storeBytes(of: location.offset.bigEndian, toByteOffset: 11, as: UInt16.self)
    }

    /// The three prefix bytes at `offset` of `raw`.
    static func prefix(_ raw: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(raw[offset]) << 24 | UInt32(raw[offset + 1]) << 16 | UInt32(raw[offset + 2]) << 8
    }

    /// Appends the three prefix bytes.
    static func append(prefix: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: prefix >> 24))
        out.append(UInt8(truncatingIfNeeded: prefix >> 16))
        out.append(UInt8(truncatingIfNeeded: prefix >> 8))
    }

    static func < (lhs: PrimaryEntry, rhs: PrimaryEntry) -> Bool {
        (lhs.sent, lhs.prefix, lhs.location.block, lhs.location.offset)
            < (rhs.sent, rhs.prefix, rhs.location.block, rhs.location.offset)
    }
}

/// A primary entry after the one before it in a chunk: `LEB128(Δsent << 2 | mode) ++
/// hash[0..<3]`, then the location as its change from the one before: mode 0, the same block
/// and an offset `LEB128(Δoffset)` on; mode 1, the same block and an offset `LEB128(-Δoffset)`
/// back; mode 2, `LEB128(zigzag(Δblock)) ++ LEB128(offset)`. Envelopes arriving in time order
/// lie one after the other in a block, so an entry takes about 5-6 bytes (the 3 hash bytes are
/// random and stay as they are).
extension PrimaryEntry: PackedEntry {
    /// Chunks of about 40 entries: each costs about 20 bytes more than its entries (its node,
    /// its pointer, its first entry in full as the key), and a lookup decodes about half of one.
    static let chunkBytes = 256

    func appendDelta(after previous: PrimaryEntry, to out: inout [UInt8]) {
        let sentChange = UInt64(sent - previous.sent) << 2
        let (block, offset) = (location.block, location.offset)
        let (previousBlock, previousOffset) = (previous.location.block, previous.location.offset)
        if block != previousBlock {
            LEB128.append(sentChange | 2, to: &out)
            PrimaryEntry.append(prefix: prefix, to: &out)
            LEB128.append(LEB128.zigzag(Int64(block) - Int64(previousBlock)), to: &out)
            LEB128.append(UInt64(offset), to: &out)
        } else if offset >= previousOffset {
            LEB128.append(sentChange, to: &out)
            PrimaryEntry.append(prefix: prefix, to: &out)
            LEB128.append(UInt64(offset - previousOffset), to: &out)
        } else {
            LEB128.append(sentChange | 1, to: &out)
            PrimaryEntry.append(prefix: prefix, to: &out)
            LEB128.append(UInt64(previousOffset - offset), to: &out)
        }
    }

    static func delta(after previous: PrimaryEntry, in chunk: UnsafeRawBufferPointer, at offset: inout Int) -> PrimaryEntry? {
        guard let head = LEB128.read(chunk, at: &offset), offset + 3 <= chunk.count,
              let sent = UInt32(exactly: UInt64(previous.sent) + head >> 2) else { return nil }
        let prefix = PrimaryEntry.prefix(chunk, at: offset)
        offset += 3
        var block = Int64(previous.location.block)
        var position = Int64(previous.location.offset)
        switch head & 3 {
        case 0:
            guard let change = LEB128.read(chunk, at: &offset) else { return nil }
            position += Int64(change)
        case 1:
            guard let change = LEB128.read(chunk, at: &offset) else { return nil }
            position -= Int64(change)
        case 2:
            guard let blockChange = LEB128.read(chunk, at: &offset), let start = LEB128.read(chunk, at: &offset) else {
                return nil
            }
            block += LEB128.unzigzag(blockChange)
            position = Int64(start)
        default:
            return nil
        }
        guard let block = UInt32(exactly: block), let position = UInt16(exactly: position) else { return nil }
        return PrimaryEntry(sent: sent, prefix: prefix, location: Location(block: block, offset: position))
    }
}

/// Schemas 7-9's form of an entry, read by the migration to schema 10: the key
/// `BE32(sent >> 6)` (a 64-second bucket) with the 11-byte sorted duplicate
/// `u8(sent & 63) ++ hash[0..<4] ++ BE32(block) ++ BE16(offset)` in a `DUPSORT | DUPFIXED`
/// database (`Schema.version9Primary`).
extension PrimaryEntry {
    static let version9ValueByteCount = 11

    /// Decodes a schema 9 bucket key and one of its duplicates (the prefix cut to three bytes:
    /// entries sharing them within a second may then be out of order).
    init(version9Bucket bucket: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(StoreError) {
        guard bucket.count == 4, value.count == PrimaryEntry.version9ValueByteCount, UInt32(value[0]) <= PrimaryEntry.lowMask else {
            throw .corrupt("a schema 9 primary entry of \(bucket.count)+\(value.count) bytes")
        }
        self.init(sent: BigEndian.uint32(bucket) << PrimaryEntry.bucketShift | UInt32(value[0]),
                  prefix: BigEndian.uint32(value, at: 1),
                  location: Location(block: BigEndian.uint32(value, at: 5), offset: BigEndian.uint16(value, at: 9)))
    }
}

/// The primary index of one transaction (schema 10): lookups, puts and deletes of
/// `PrimaryEntry`s, stored packed.
///
/// The index is a plain LMDB database of *chunks*: a chunk's key is its first entry in full (13
/// bytes, so LMDB's memcmp orders the chunks as their entries) and its value the entries that
/// follow, each as its difference from the one before (`PrimaryEntry.appendDelta`), at most
/// `PrimaryEntry.chunkBytes` bytes with the key. A reader finds the chunk that holds an entry
/// with one `MDB_SET_RANGE` and, unless a chunk starts with it, one step back, then decodes it.
/// A writer writes the chunk back changed; an entry after every stored one (ingest in time
/// order) grows the last chunk in place or starts the next one with `MDB_APPEND`, so that pages
/// stay full. Layout and costs: Docs/Storage.md, "The packed primary index".
struct PrimaryIndex {
    let txn: Transaction
    let dbi: MDB_dbi

    /// Where the records with this sent time and hash prefix lie (almost always none or one).
    func candidates(sent: UInt32, prefix: UInt32) throws(StoreError) -> [Location] {
        var found: [Location] = []
        try scan(from: .first(sent: sent, prefix: prefix)) { entry in
            guard entry.sent == sent, entry.prefix == prefix else { return false }
            found.append(entry.location)
            return true
        }
        return found
    }

    /// The entries of one 64-second bucket (`sent >> PrimaryEntry.bucketShift`) whose hash
    /// prefix passes `matches` (a hash entry names only the bucket; about 25 entries at a
    /// million envelopes a month).
    func entries(inBucket bucket: UInt32, where matches: (UInt32) -> Bool) throws(StoreError) -> [PrimaryEntry] {
        var found: [PrimaryEntry] = []
        try scan(from: .first(sent: bucket << PrimaryEntry.bucketShift, prefix: 0)) { entry in
            guard entry.bucket == bucket else { return false }
            if matches(entry.prefix) { found.append(entry) }
            return true
        }
        return found
    }

    /// Whether exactly this entry is stored.
    func contains(_ entry: PrimaryEntry) throws(StoreError) -> Bool {
        var found = false
        try scan(from: entry) { stored in
            found = stored == entry
            return false
        }
        return found
    }

    /// Calls `body` with each entry from the first not less than `target` on, in order, until
    /// it returns false: the lookups' walk, decoded in place in the map (nothing is collected
    /// that `body` does not keep).
    private func scan(from target: PrimaryEntry, _ body: (PrimaryEntry) -> Bool) throws(StoreError) {
        let cursor = try txn.cursor(dbi)
        guard var chunk = try PrimaryChunk.seek(cursor, holding: target) else { return }
        while try chunk.forEach({ entry in entry < target || body(entry) }) {
            guard let following = try cursor.get(MDB_NEXT) else { return }
            chunk = PrimaryChunk(key: following.key, value: following.value, isLast: false)
        }
    }

    /// Adds an entry that is not stored yet (a corrupt-store error if it is).
    func put(_ entry: PrimaryEntry) throws(StoreError) {
        let cursor = try txn.cursor(dbi)
        guard let chunk = try PrimaryChunk.seek(cursor, holding: entry) else {
            try cursor.put(entry.bytes, [], flags: MDB_APPEND)
            return
        }
        let key = Array(chunk.key)
        // Ingest in time order: the last chunk's last entry, found in place, sorts before it.
        var last: PrimaryEntry?
        if chunk.isLast { try chunk.forEach { last = $0; return true } }
        if let last, last < entry {
            var value = Array(chunk.value)
            entry.appendDelta(after: last, to: &value)
            if PrimaryEntry.byteCount + value.count <= PrimaryEntry.chunkBytes {
                // Replaced in place: a delete would let LMDB refill the last page, once nearly
                // empty, with its left neighbour's last chunks, leaving that one a quarter empty.
                try cursor.put(key, value, flags: MDB_CURRENT)
            } else {
                try append(entry.bytes, [], cursor)
            }
            return
        }
        var entries: [PrimaryEntry] = []
        try chunk.decode(into: &entries)
        let index = entries.firstIndex { !($0 < entry) } ?? entries.count
        guard index == entries.count || entries[index] != entry else { throw .corrupt("a primary entry was stored twice") }
        entries.insert(entry, at: index)
        try rewrite(key, as: entries, cursor)
    }

    /// Adds sorted, distinct entries that are not stored yet: in bulk when they all sort after
    /// every stored entry (a migration's), one by one otherwise.
    func put(sorted entries: [PrimaryEntry]) throws(StoreError) {
        guard let head = entries.first else { return }
        let cursor = try txn.cursor(dbi)
        var all: [PrimaryEntry] = []
        let split = PrimaryEntry.byteCount
        var lastKey: [UInt8]?
        if let last = try cursor.get(MDB_LAST) {
            try PrimaryChunk(key: last.key, value: last.value, isLast: true).decode(into: &all)
            guard let stored = all.last, stored < head else {
                for entry in entries { try put(entry) }
                return
            }
            lastKey = Array(last.key)
        }
        all += entries
        for chunk in PackedRuns.chunks(of: all) {
            let key = Array(chunk[..<split])
            if key == lastKey {
                // The stored last chunk, grown: replaced in place (see `put(_:)`).
                try cursor.put(key, Array(chunk[split...]), flags: MDB_CURRENT)
            } else {
                try append(key, Array(chunk[split...]), cursor)
            }
        }
    }

    /// Deletes exactly this entry; returns whether it was there.
    @discardableResult
    func delete(_ entry: PrimaryEntry) throws(StoreError) -> Bool {
        let cursor = try txn.cursor(dbi)
        guard let chunk = try PrimaryChunk.seek(cursor, holding: entry) else { return false }
        var entries: [PrimaryEntry] = []
        try chunk.decode(into: &entries)
        guard let index = entries.firstIndex(of: entry) else { return false }
        entries.remove(at: index)
        let key = Array(chunk.key)
        if entries.isEmpty {
            try cursor.delete()
        } else {
            try rewrite(key, as: entries, cursor)
        }
        return true
    }

    /// Deletes those of the sorted, distinct `targets` that are stored; returns how many. One
    /// seek per chunk touched: a chunk's entries settle the targets they cover, and targets in
    /// the gap before the next chunk are skipped from its first entry (a retention sweep deletes
    /// the oldest chunks whole).
    @discardableResult
    func delete(sorted targets: [PrimaryEntry]) throws(StoreError) -> Int {
        let cursor = try txn.cursor(dbi)
        var deleted = 0
        var next = 0
        var entries: [PrimaryEntry] = []
        var kept: [PrimaryEntry] = []
        while next < targets.count {
            guard let chunk = try PrimaryChunk.seek(cursor, holding: targets[next]) else { break }
            entries.removeAll(keepingCapacity: true)
            kept.removeAll(keepingCapacity: true)
            try chunk.decode(into: &entries)
            let key = Array(chunk.key)
            var index = PackedRuns.settle(entries, against: targets, from: next, keeping: &kept)
            if kept.count < entries.count {
                deleted += entries.count - kept.count
                if kept.isEmpty {
                    try cursor.delete()
                } else {
                    try rewrite(key, as: kept, cursor)
                }
            } else if index == next {
                // Nothing settled: targets[next] lies after this chunk's entries, in the gap
                // before the next chunk, or past the last.
                guard let following = try cursor.get(MDB_NEXT) else { break }
                guard following.key.count == PrimaryEntry.byteCount else {
                    throw .corrupt("a primary chunk key of \(following.key.count) bytes")
                }
                let first = PrimaryEntry(raw: following.key)
                while index < targets.count, targets[index] < first { index += 1 }
            }
            next = index > next ? index : next + 1
        }
        return deleted
    }

    /// The smallest or the largest entry.
    func edge(last: Bool) throws(StoreError) -> PrimaryEntry? {
        var cursor = try entries()
        return last ? try cursor.last() : try cursor.first()
    }

    /// A cursor over the entries in their order.
    func entries() throws(StoreError) -> PrimaryCursor {
        PrimaryCursor(cursor: try txn.cursor(dbi))
    }

    /// Replaces the chunk under `cursor`, whose key is `key`, with chunks of `entries`: in place
    /// when they still fit one chunk with the same first entry.
    private func rewrite(_ key: [UInt8], as entries: [PrimaryEntry], _ cursor: Cursor) throws(StoreError) {
        let chunks = PackedRuns.chunks(of: entries)
        let split = PrimaryEntry.byteCount
        if chunks.count == 1, chunks[0].starts(with: key) {
            try cursor.put(key, Array(chunks[0][split...]), flags: MDB_CURRENT)
            return
        }
        try cursor.delete()
        for chunk in chunks {
            guard try cursor.put(Array(chunk[..<split]), Array(chunk[split...]), flags: MDB_NOOVERWRITE) else {
                throw .corrupt("a primary chunk was stored twice")
            }
        }
    }

    /// Puts a chunk after every stored one.
    private func append(_ key: [UInt8], _ value: [UInt8], _ cursor: Cursor) throws(StoreError) {
        guard try cursor.put(key, value, flags: MDB_APPEND) else { throw .corrupt("a primary chunk was written out of order") }
    }
}

/// A chunk of the primary index as a cursor found it: its key and value point into the map
/// until the cursor moves or the transaction writes.
struct PrimaryChunk {
    let key: UnsafeRawBufferPointer
    let value: UnsafeRawBufferPointer
    /// The index's last chunk: set only when the seek found no chunk starting after the target.
    let isLast: Bool

    /// Positions `cursor` on the chunk where `target` would lie: the last one starting at or
    /// before it, or the first one when none does; `nil` when the index is empty.
    static func seek(_ cursor: Cursor, holding target: PrimaryEntry) throws(StoreError) -> PrimaryChunk? {
        let bytes = target.bytes
        guard let found = try cursor.get(MDB_SET_RANGE, key: bytes) else {
            return try cursor.get(MDB_LAST).map { PrimaryChunk(key: $0.key, value: $0.value, isLast: true) }
        }
        if found.key.elementsEqual(bytes) { return PrimaryChunk(key: found.key, value: found.value, isLast: false) }
        if let previous = try cursor.get(MDB_PREV) { return PrimaryChunk(key: previous.key, value: previous.value, isLast: false) }
        // The target sorts before every entry: back to the first chunk.
        return try cursor.get(MDB_FIRST).map { PrimaryChunk(key: $0.key, value: $0.value, isLast: false) }
    }

    /// Calls `body` with the chunk's entries in order, decoded in place in the map, until it
    /// returns false; returns whether it reached the chunk's end.
    @discardableResult
    func forEach(_ body: (PrimaryEntry) -> Bool) throws(StoreError) -> Bool {
        guard key.count == PrimaryEntry.byteCount else { throw .corrupt("a primary chunk key of \(key.count) bytes") }
        return try PackedRuns.forEach(first: PrimaryEntry(raw: key), deltas: value, body)
    }

    /// Appends the chunk's entries to `out`.
    func decode(into out: inout [PrimaryEntry]) throws(StoreError) {
        try forEach { entry in
            out.append(entry)
            return true
        }
    }
}

/// Walks the primary index's entries in order, either way (no record is read); a chunk is
/// decoded whole when the walk enters it.
struct PrimaryCursor {
    let cursor: Cursor
    /// The chunk the walk is in, decoded, and the position of the last entry returned.
    private var chunk: [PrimaryEntry] = []
    private var index = 0

    init(cursor: Cursor) {
        self.cursor = cursor
        chunk.reserveCapacity(64)
    }

    /// The first entry not less than `target`.
    mutating func seek(atLeast target: PrimaryEntry) throws(StoreError) -> PrimaryEntry? {
        guard let found = try PrimaryChunk.seek(cursor, holding: target) else { return try load(nil, atEnd: false) }
        _ = try load(found, atEnd: false)
        while index < chunk.count, chunk[index] < target { index += 1 }
        return index < chunk.count ? chunk[index] : try step(MDB_NEXT, atEnd: false)
    }

    /// The first entry at or after (sent, prefix).
    mutating func seek(sent: UInt32, prefix: UInt32) throws(StoreError) -> PrimaryEntry? {
        try seek(atLeast: .first(sent: sent, prefix: prefix))
    }

    mutating func first() throws(StoreError) -> PrimaryEntry? { try step(MDB_FIRST, atEnd: false) }
    mutating func last() throws(StoreError) -> PrimaryEntry? { try step(MDB_LAST, atEnd: true) }

    mutating func next() throws(StoreError) -> PrimaryEntry? {
        guard index + 1 >= chunk.count else {
            index += 1
            return chunk[index]
        }
        return try step(MDB_NEXT, atEnd: false)
    }

    mutating func previous() throws(StoreError) -> PrimaryEntry? {
        guard index == 0 else {
            index -= 1
            return chunk[index]
        }
        return try step(MDB_PREV, atEnd: true)
    }

    private mutating func step(_ op: MDB_cursor_op, atEnd: Bool) throws(StoreError) -> PrimaryEntry? {
        try load(try cursor.get(op).map { PrimaryChunk(key: $0.key, value: $0.value, isLast: false) }, atEnd: atEnd)
    }

    /// Makes `found` the current chunk, at its first or last entry; `nil` (and no chunk) for none.
    private mutating func load(_ found: PrimaryChunk?, atEnd: Bool) throws(StoreError) -> PrimaryEntry? {
        chunk.removeAll(keepingCapacity: true)
        index = 0
        guard let found else { return nil }
        try found.decode(into: &chunk)
        index = atEnd ? chunk.count - 1 : 0
        return chunk[index]
    }
}

/// The stored keys in exact order, with where each record lies.
///
/// The primary index orders entries by (sent, hash prefix, location); a key's full hash is the
/// keccak256 of its record's RLP (`hashOf`). Entries that share a sent time and hash prefix (a
/// 24-bit collision within one second) are read together, hashed and sorted, so the cursor
/// yields keys in the archive's (sent, hash) order whatever the locations. A walk bounded by
/// `seek(_:before:)` reads and hashes no record past its end.
struct KeyCursor {
    private var entries: PrimaryCursor
    private let hashOf: (Location) throws(StoreError) -> Hash256
    /// The group being yielded, sorted, and the entry after it (already read).
    private var group: [(key: EnvelopeKey, location: Location)] = []
    private var position = 0
    private var lookahead: PrimaryEntry?
    /// No entry past this (sent, prefix) is yielded (`seek(_:before:)`).
    private var last: (UInt32, UInt32) = (.max, .max)

    init(_ index: PrimaryIndex, hashOf: @escaping (Location) throws(StoreError) -> Hash256) throws(StoreError) {
        entries = try index.entries()
        self.hashOf = hashOf
    }

    /// Positions at the first key at or after `lower` and returns it. With `upper`, the walk
    /// ends before it: no record past it is hashed (the caller stops at `upper` too).
    mutating func seek(_ lower: EnvelopeKey, before upper: EnvelopeKey? = nil) throws(StoreError)
        -> (key: EnvelopeKey, location: Location)?
    {
        if let upper { last = (upper.sent, PrimaryEntry.prefix(of: upper.hash)) }
        lookahead = try entries.seek(sent: lower.sent, prefix: PrimaryEntry.prefix(of: lower.hash))
        try fill()
        // Only keys sharing `lower`'s sent time and prefix can sort before it.
        while position < group.count, group[position].key < lower { position += 1 }
        return try next()
    }

    /// Positions at the first key and returns it.
    mutating func first() throws(StoreError) -> (key: EnvelopeKey, location: Location)? {
        lookahead = try entries.first()
        try fill()
        return try next()
    }

    /// The next key in order, or `nil` at the end.
    mutating func next() throws(StoreError) -> (key: EnvelopeKey, location: Location)? {
        if position == group.count { try fill() }
        guard position < group.count else { return nil }
        defer { position += 1 }
        return group[position]
    }

    /// Reads the next group of entries sharing (sent, prefix) from `lookahead` on.
    private mutating func fill() throws(StoreError) {
        group.removeAll(keepingCapacity: true)
        position = 0
        guard let head = lookahead, (head.sent, head.prefix) <= last else { return }
        group.append((EnvelopeKey(sent: head.sent, hash: try hashOf(head.location)), head.location))
        lookahead = try entries.next()
        while let following = lookahead, following.sent == head.sent, following.prefix == head.prefix {
            group.append((EnvelopeKey(sent: following.sent, hash: try hashOf(following.location)), following.location))
            lookahead = try entries.next()
        }
        if group.count > 1 { group.sort { $0.key < $1.key } }
    }
}
