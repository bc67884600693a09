import CLMDB

/// An index entry that a packed run stores as its difference from the entry before it.
protocol PackedEntry: IndexEntry {
    /// The most bytes of one of this type's chunks (at most 511: LMDB's limit on a duplicate).
    static var chunkBytes: Int { get }
    /// Appends this entry as it follows `previous`, which sorts before it, to `out`.
    func appendDelta(after previous: Self, to out: inout [UInt8])
    /// The entry that follows `previous` as encoded at `offset` of `chunk`, advancing `offset`
    /// past it; `nil` when the bytes are not a delta this type writes.
    static func delta(after previous: Self, in chunk: UnsafeRawBufferPointer, at offset: inout Int) -> Self?
}

/// The topic and hash indexes' runs as sorted, delta-coded chunks (schema 9; layout and costs in
/// Docs/Storage.md).
///
/// A run is still one LMDB key, `BE32(run)`, in a `DUPSORT` database, but its duplicates are
/// *chunks* of at most `chunkBytes` bytes: a chunk is its first entry in full (the entry's
/// fixed big-endian bytes, so LMDB's memcmp orders the chunks as their first entries) and then
/// each following entry as its difference from the one before (`PackedEntry`). Sorted entries
/// differ little from one to the next, so an entry takes about a third of its fixed size.
/// A reader finds an entry's chunk with one `MDB_GET_BOTH_RANGE` and, unless a chunk starts
/// with it, one step back; then decodes the chunk up to it.
enum PackedRuns {
    /// Cuts sorted, distinct entries into chunks.
    static func chunks<Entry: PackedEntry>(of entries: [Entry]) -> [[UInt8]] {
        var chunks: [[UInt8]] = []
        var chunk: [UInt8] = []
        chunk.reserveCapacity(Entry.chunkBytes + 32)
        var previous: Entry?
        for entry in entries {
            if let last = previous {
                let before = chunk.count
                entry.appendDelta(after: last, to: &chunk)
                if chunk.count <= Entry.chunkBytes {
                    previous = entry
                    continue
                }
                chunk.removeLast(chunk.count - before)
                chunks.append(chunk)
                chunk.removeAll(keepingCapacity: true)
            }
            chunk += entry.bytes
            previous = entry
        }
        if !chunk.isEmpty { chunks.append(chunk) }
        return chunks
    }

    /// Appends the entries of one chunk to `out`.
    static func decode<Entry: PackedEntry>(_ chunk: UnsafeRawBufferPointer, into out: inout [Entry]) throws(StoreError) {
        guard chunk.count >= Entry.byteCount else { throw .corrupt("an index chunk of \(chunk.count) bytes") }
        try forEach(first: Entry(raw: UnsafeRawBufferPointer(rebasing: chunk[0..<Entry.byteCount])), deltas: chunk,
                    at: Entry.byteCount) { entry in
            out.append(entry)
            return true
        }
    }

    /// Calls `body` with `first` and then each entry that follows it as deltas from byte `start`
    /// of `deltas`, decoded in place, until `body` returns false; returns whether it reached the
    /// chunk's end (the primary index keeps a chunk's first entry as its key, the rest as its value).
    @discardableResult
    static func forEach<Entry: PackedEntry>(first: Entry, deltas: UnsafeRawBufferPointer, at start: Int = 0,
                                            _ body: (Entry) -> Bool) throws(StoreError) -> Bool {
        var entry = first
        var offset = start
        while body(entry) {
            guard offset < deltas.count else { return true }
            guard let next = Entry.delta(after: entry, in: deltas, at: &offset), entry < next else {
                throw .corrupt("an index chunk holds a malformed entry at byte \(offset)")
            }
            entry = next
        }
        return false
    }

    /// Writes sorted, distinct entries as run `id`. With `appending` (a commit's new run, or a
    /// merge's) the run's key must sort after every key of the database, so each put appends
    /// to the right edge; a migration moving a run passes false.
    static func write<Entry: PackedEntry>(_ entries: [Entry], run id: UInt32, into dbi: MDB_dbi, _ txn: Transaction,
                                          appending: Bool = true) throws(StoreError) {
        let cursor = try txn.cursor(dbi)
        let runKey = IndexRuns.key(run: id)
        for (index, chunk) in chunks(of: entries).enumerated() {
            let flags = index > 0 ? MDB_APPENDDUP : appending ? MDB_APPEND : MDB_NODUPDATA
            guard try cursor.put(runKey, chunk, flags: flags) else {
                throw .corrupt("index run \(id) was written out of order")
            }
        }
    }

    /// Every entry of one run, in order.
    static func entries<Entry: PackedEntry>(of run: UInt32, in dbi: MDB_dbi, _ txn: Transaction)
        throws(StoreError) -> [Entry]
    {
        var out: [Entry] = []
        let cursor = try txn.cursor(dbi)
        var chunk = try cursor.get(MDB_SET_KEY, key: IndexRuns.key(run: run))
        while let current = chunk {
            try decode(current.value, into: &out)
            chunk = try cursor.get(MDB_NEXT_DUP)
        }
        return out
    }

    /// Deletes `entry` from run `run` when the run holds it; returns whether it did.
    static func remove<Entry: PackedEntry>(_ entry: Entry, run: UInt32, from dbi: MDB_dbi, _ txn: Transaction)
        throws(StoreError) -> Bool
    {
        try remove([entry], run: run, from: dbi, txn) == 1
    }

    /// Deletes those of the sorted, distinct `targets` that run `run` holds; returns how many.
    /// Each chunk that held some is written back without them (as two when its re-coded
    /// entries no longer fit one), or deleted when it held nothing else; the run's key goes
    /// with its last chunk. One seek per chunk touched: the targets a chunk's entries cover
    /// are settled from its decoded entries, and those in the gap before the next chunk are
    /// skipped from that chunk's first entry.
    @discardableResult
    static func remove<Entry: PackedEntry>(_ targets: [Entry], run: UInt32, from dbi: MDB_dbi, _ txn: Transaction)
        throws(StoreError) -> Int
    {
        var cursor = try PackedRunCursor<Entry>(txn: txn, dbi: dbi)
        let runKey = IndexRuns.key(run: run)
        var removed = 0
        var next = 0
        var entries: [Entry] = []
        var kept: [Entry] = []
        while next < targets.count {
            guard let chunk = try cursor.chunk(run: run, holding: targets[next]) else { break }
            entries.removeAll(keepingCapacity: true)
            kept.removeAll(keepingCapacity: true)
            try decode(chunk, into: &entries)
            var index = PackedRuns.settle(entries, against: targets, from: next, keeping: &kept)
            if kept.count < entries.count {
                removed += entries.count - kept.count
                try cursor.cursor.delete()
                for piece in chunks(of: kept) {
                    guard try cursor.cursor.put(runKey, piece, flags: MDB_NODUPDATA) else {
                        throw .corrupt("index run \(run) holds a chunk twice")
                    }
                }
            } else if index == next {
                // Nothing settled: targets[next] lies after this chunk's entries, in the gap
                // before the next chunk, or past the run's end.
                guard let following = try cursor.cursor.get(MDB_NEXT_DUP) else { break }
                guard following.value.count >= Entry.byteCount else {
                    throw .corrupt("an index chunk of \(following.value.count) bytes")
                }
                let first = Entry(raw: UnsafeRawBufferPointer(rebasing: following.value[0..<Entry.byteCount]))
                while index < targets.count, targets[index] < first { index += 1 }
            }
            next = index > next ? index : next + 1
        }
        return removed
    }
}

extension PackedRuns {
    /// Walks one chunk's decoded `entries` and the sorted `targets` from `start` together:
    /// appends the entries no target equals to `kept` and returns the index of the first
    /// target past the chunk's last entry (a target below an entry it did not equal is not
    /// stored).
    static func settle<Entry: Comparable>(_ entries: [Entry], against targets: [Entry], from start: Int,
                                          keeping kept: inout [Entry]) -> Int {
        var index = start
        for entry in entries {
            while index < targets.count, targets[index] < entry { index += 1 }
            if index < targets.count, targets[index] == entry {
                index += 1
            } else {
                kept.append(entry)
            }
        }
        return index
    }
}

/// Reads one packed run's entries in order from a position: a topic query's list of one topic,
/// a hash lookup's candidates. Entries are decoded as they are read (a seek decodes its chunk
/// only up to the target), in place in the memory map: the transaction must not write to the
/// database while the cursor reads it.
struct PackedRunCursor<Entry: PackedEntry> {
    let cursor: Cursor
    /// The chunk being read (in the map), where its next delta starts, and the last entry decoded.
    private var bytes = UnsafeRawBufferPointer(start: nil, count: 0)
    private var offset = 0
    private var current: Entry?

    init(txn: Transaction, dbi: MDB_dbi) throws(StoreError) {
        cursor = try txn.cursor(dbi)
    }

    /// Positions the cursor on the chunk of run `run` where `target` would lie (the last one that
    /// starts at or before it, or the first one when none does) and returns its bytes, valid
    /// until the cursor moves; `nil` when the run has no entry.
    mutating func chunk(run: UInt32, holding target: Entry) throws(StoreError) -> UnsafeRawBufferPointer? {
        current = nil
        let runKey = IndexRuns.key(run: run)
        let bytes = target.bytes
        guard let found = try cursor.get(MDB_GET_BOTH_RANGE, key: runKey, value: bytes) else {
            // Every chunk starts before the target: it lies in the last one, if anywhere.
            guard try cursor.get(MDB_SET_KEY, key: runKey) != nil else { return nil }
            return try cursor.get(MDB_LAST_DUP)?.value
        }
        if found.value.starts(with: bytes) { return found.value }
        if let previous = try cursor.get(MDB_PREV_DUP) { return previous.value }
        // The target sorts before the run's first entry: back to the first chunk.
        return try cursor.get(MDB_GET_BOTH_RANGE, key: runKey, value: bytes)?.value
    }

    /// Positions at run `run`'s first entry not less than `target` and returns it; `nil` when
    /// the run holds none.
    mutating func seek(run: UInt32, atLeast target: Entry) throws(StoreError) -> Entry? {
        guard let chunk = try chunk(run: run, holding: target) else { return nil }
        try load(chunk)
        while let entry = current, entry < target { _ = try next() }
        return current
    }

    /// The entry after the last one returned; `nil` past the run's end.
    mutating func next() throws(StoreError) -> Entry? {
        guard let previous = current else { return nil }
        if offset < bytes.count {
            guard let following = Entry.delta(after: previous, in: bytes, at: &offset), previous < following else {
                throw .corrupt("an index chunk holds a malformed entry at byte \(offset)")
            }
            current = following
            return following
        }
        guard let chunk = try cursor.get(MDB_NEXT_DUP) else {
            current = nil
            return nil
        }
        try load(chunk.value)
        return current
    }

    /// Starts reading `chunk` at its first entry.
    private mutating func load(_ chunk: UnsafeRawBufferPointer) throws(StoreError) {
        guard chunk.count >= Entry.byteCount else { throw .corrupt("an index chunk of \(chunk.count) bytes") }
        bytes = chunk
        current = Entry(raw: UnsafeRawBufferPointer(rebasing: chunk[0..<Entry.byteCount]))
        offset = Entry.byteCount
    }
}
