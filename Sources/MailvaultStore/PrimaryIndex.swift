import CLMDB
import MailvaultCore

/// One entry of the primary index (schemas 7 and 8): an envelope's sent time, the first four bytes of
/// its hash and where its record lies. The rest of the hash is not stored anywhere: it is the
/// keccak256 of the record's RLP, computed when a key is needed (`KeyCursor`).
///
/// In LMDB the entry is the key `BE32(sent >> 6)` (a 64-second bucket) with the 11-byte sorted
/// duplicate `u8(sent & 63) ++ hash[0..<4] ++ BE32(block) ++ BE16(offset)` in a
/// `DUPSORT | DUPFIXED` database: LMDB packs a bucket's duplicates densely, with no node per
/// envelope. Entries order by (sent, hash prefix, location), which is the keys' order except
/// among entries that share their sent time and hash prefix; `KeyCursor` sorts those by hash.
struct PrimaryEntry: Comparable, Hashable {
    static let valueByteCount = 11
    /// log2 of a bucket's width in seconds (at most 8: the value keeps the rest in one byte).
    static let bucketShift: UInt32 = 6
    static let lowMask: UInt32 = 1 << bucketShift - 1

    let sent: UInt32
    let prefix: UInt32
    let location: Location

    init(sent: UInt32, prefix: UInt32, location: Location) {
        self.sent = sent
        self.prefix = prefix
        self.location = location
    }

    init(key: EnvelopeKey, location: Location) {
        self.init(sent: key.sent, prefix: PrimaryEntry.prefix(of: key.hash), location: location)
    }

    /// Decodes a bucket key and one of its duplicates.
    init(bucket: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(StoreError) {
        guard bucket.count == 4, value.count == PrimaryEntry.valueByteCount, UInt32(value[0]) <= PrimaryEntry.lowMask else {
            throw .corrupt("a primary entry of \(bucket.count)+\(value.count) bytes")
        }
        self.init(sent: BigEndian.uint32(bucket) << PrimaryEntry.bucketShift | UInt32(value[0]),
                  prefix: BigEndian.uint32(value, at: 1),
                  location: Location(block: BigEndian.uint32(value, at: 5), offset: BigEndian.uint16(value, at: 9)))
    }

    /// The first four bytes of a hash as a big-endian integer.
    static func prefix(of hash: Hash256) -> UInt32 { UInt32(truncatingIfNeeded: hash.w0 >> 32) }

    static func bucketKey(sent: UInt32) -> [UInt8] { BigEndian.bytes(sent >> bucketShift) }

    var bucketKey: [UInt8] { PrimaryEntry.bucketKey(sent: sent) }

    var value: [UInt8] {
        var out: [UInt8] = [UInt8(sent & PrimaryEntry.lowMask)]
        out.reserveCapacity(PrimaryEntry.valueByteCount)
        BigEndian.append(prefix, to: &out)
        BigEndian.append(location.block, to: &out)
        BigEndian.append(location.offset, to: &out)
        return out
    }

    /// The smallest value of the bucket with this sent time and hash prefix (any location).
    static func firstValue(sent: UInt32, prefix: UInt32) -> [UInt8] {
        PrimaryEntry(sent: sent, prefix: prefix, location: Location(block: 0, offset: 0)).value
    }

    static func < (lhs: PrimaryEntry, rhs: PrimaryEntry) -> Bool {
        (lhs.sent, lhs.prefix, lhs.location.block, lhs.location.offset)
            < (rhs.sent, rhs.prefix, rhs.location.block, rhs.location.offset)
    }
}



/// The primary index of one transaction: lookups, puts and deletes of `PrimaryEntry`s.
struct PrimaryIndex {
    let txn: Transaction
    let dbi: MDB_dbi

    /// Where the records with this sent time and hash prefix lie (almost always none or one).
    func candidates(sent: UInt32, prefix: UInt32) throws(StoreError) -> [Location] {
        var found: [Location] = []
        let cursor = try txn.cursor(dbi)
        var entry = try cursor.get(MDB_GET_BOTH_RANGE, key: PrimaryEntry.bucketKey(sent: sent),
                                   value: PrimaryEntry.firstValue(sent: sent, prefix: prefix))
        while let current = entry {
            let stored = try PrimaryEntry(bucket: current.key, value: current.value)
            guard stored.sent == sent, stored.prefix == prefix else { break }
            found.append(stored.location)
            entry = try cursor.get(MDB_NEXT_DUP)
        }
        return found
    }

    /// The entries of one 64-second bucket (`sent >> PrimaryEntry.bucketShift`) whose hash
    /// prefix passes `matches`: the whole bucket is scanned (about 25 entries at a million
    /// envelopes a month), as a hash entry names only the bucket, a page of packed values at
    /// a time (`MDB_GET_MULTIPLE`), decoding only the entries that match.
    func entries(inBucket bucket: UInt32, where matches: (UInt32) -> Bool) throws(StoreError) -> [PrimaryEntry] {
        var found: [PrimaryEntry] = []
        let cursor = try txn.cursor(dbi)
        guard let first = try cursor.get(MDB_SET_KEY, key: BigEndian.bytes(bucket)) else { return found }
        // A lone value has no duplicate page: MDB_GET_MULTIPLE returns nothing for it.
        let lone = try cursor.duplicateCount() == 1
        var chunk = lone ? first.value : try cursor.get(MDB_GET_MULTIPLE)?.value
        let size = PrimaryEntry.valueByteCount
        while let values = chunk {
            guard values.count % size == 0 else { throw .corrupt("a primary value page of \(values.count) bytes") }
            for offset in stride(from: 0, to: values.count, by: size) where matches(BigEndian.uint32(values, at: offset + 1)) {
                let low = UInt32(values[offset])
                guard low <= PrimaryEntry.lowMask else { throw .corrupt("a primary entry's second \(low) is out of its bucket") }
                found.append(PrimaryEntry(sent: bucket << PrimaryEntry.bucketShift | low,
                                          prefix: BigEndian.uint32(values, at: offset + 1),
                                          location: Location(block: BigEndian.uint32(values, at: offset + 5),
                                                             offset: BigEndian.uint16(values, at: offset + 9))))
            }
            chunk = lone ? nil : try cursor.get(MDB_NEXT_MULTIPLE)?.value
        }
        return found
    }

    /// Whether exactly this entry is stored.
    func contains(_ entry: PrimaryEntry) throws(StoreError) -> Bool {
        let cursor = try txn.cursor(dbi)
        return try cursor.get(MDB_GET_BOTH, key: entry.bucketKey, value: entry.value) != nil
    }

    /// Adds an entry; `after` is the largest stored entry when the caller knows the new one
    /// sorts after it, so that the put appends (full pages) instead of splitting one.
    func put(_ entry: PrimaryEntry, after last: PrimaryEntry?) throws(StoreError) {
        var flags = MDB_NODUPDATA
        if let last, last < entry {
            flags = last.sent >> PrimaryEntry.bucketShift == entry.sent >> PrimaryEntry.bucketShift
                ? MDB_APPENDDUP : MDB_APPEND
        }
        if try !txn.put(dbi, entry.bucketKey, entry.value, flags: flags), flags != MDB_NODUPDATA {
            // The caller's idea of the largest entry was wrong; put it where it belongs.
            guard try txn.put(dbi, entry.bucketKey, entry.value, flags: MDB_NODUPDATA) else {
                throw .corrupt("a primary entry was stored twice")
            }
        }
    }

    /// Deletes exactly this entry; returns whether it was there.
    @discardableResult
    func delete(_ entry: PrimaryEntry) throws(StoreError) -> Bool {
        try txn.delete(dbi, entry.bucketKey, value: entry.value)
    }

    /// The smallest or the largest entry.
    func edge(last: Bool) throws(StoreError) -> PrimaryEntry? {
        let cursor = try txn.cursor(dbi)
        guard let found = try cursor.get(last ? MDB_LAST : MDB_FIRST) else { return nil }
        return try PrimaryEntry(bucket: found.key, value: found.value)
    }

    /// A cursor over the entries in their order.
    func entries() throws(StoreError) -> PrimaryCursor {
        PrimaryCursor(cursor: try txn.cursor(dbi))
    }
}

/// Walks the primary index's entries in order (no record is read).
struct PrimaryCursor {
    let cursor: Cursor

    /// The first entry at or after (sent, prefix).
    func seek(sent: UInt32, prefix: UInt32) throws(StoreError) -> PrimaryEntry? {
        let bucket = PrimaryEntry.bucketKey(sent: sent)
        guard let found = try cursor.get(MDB_SET_RANGE, key: bucket) else { return nil }
        if found.key.elementsEqual(bucket),
           try cursor.get(MDB_GET_BOTH_RANGE, key: bucket, value: PrimaryEntry.firstValue(sent: sent, prefix: prefix)) == nil {
            // Nothing at or after it in its own bucket: the next bucket's first entry.
            guard try cursor.get(MDB_SET_KEY, key: bucket) != nil,
                  let next = try cursor.get(MDB_NEXT_NODUP) else { return nil }
            return try PrimaryEntry(bucket: next.key, value: next.value)
        }
        return try current()
    }

    func first() throws(StoreError) -> PrimaryEntry? { try step(MDB_FIRST) }
    func last() throws(StoreError) -> PrimaryEntry? { try step(MDB_LAST) }
    func next() throws(StoreError) -> PrimaryEntry? { try step(MDB_NEXT) }
    func previous() throws(StoreError) -> PrimaryEntry? { try step(MDB_PREV) }

    private func current() throws(StoreError) -> PrimaryEntry? { try step(MDB_GET_CURRENT) }

    private func step(_ op: MDB_cursor_op) throws(StoreError) -> PrimaryEntry? {
        guard let found = try cursor.get(op) else { return nil }
        return try PrimaryEntry(bucket: found.key, value: found.value)
    }
}

/// The stored keys in exact order, with where each record lies.
///
/// The primary index orders entries by (sent, hash prefix, location); a key's full hash is the
/// keccak256 of its record's RLP (`hashOf`). Entries that share a sent time and hash prefix (a
/// 32-bit collision within one second) are read together, hashed and sorted, so the cursor
/// yields keys in the archive's (sent, hash) order whatever the locations. A walk bounded by
/// `seek(_:before:)` reads and hashes no record past its end.
struct KeyCursor {
    private let entries: PrimaryCursor
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
