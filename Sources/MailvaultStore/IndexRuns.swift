import CLMDB

/// The topic and hash indexes as sorted runs, one per commit, merged in bulk (an LSM tree made
/// of LMDB keys; layout and costs in Docs/Storage.md).
///
/// Both indexes are `DUPSORT` databases with one key per run, `BE32(run)`, whose sorted
/// duplicates are the run's entries (`TopicIndexEntry`, `HashIndexEntry`) as delta-coded chunks
/// (`PackedRuns`; schemas 3-8 stored each entry as a fixed-size duplicate of a `DUPFIXED`
/// database, which `write`, `entries` and `delete` here still read and write for the
/// migrations). LMDB packs them densely in the key's own sub-database. A commit
/// writes its new entries as a fresh run whose number is the highest, so every put is an
/// `MDB_APPEND`/`MDB_APPENDDUP` onto the right edge of the tree: a commit of 1000 envelopes
/// writes a few full pages per index instead of copy-on-writing one scattered leaf per
/// envelope, which is what random-keyed indexes cost.
/// Readers consult every run; `runs` lists them, so a reader's snapshot sees a consistent set.
enum IndexRuns {
    /// Runs merged at once, and the ratio between the sizes of consecutive levels: each entry
    /// is rewritten once per level, and a reader consults at most `fanIn - 1` runs per level.
    /// 8 rather than 4: a third fewer rewrites per entry, which took durable ingest of 200,000
    /// envelopes from 0.62-0.64x to 0.77-0.79x the C LMDB loop (Docs/Benchmarks.md), for up to
    /// twice as many runs for a reader to seek in.
    static let fanIn = 8

    /// Runs of this level are never merged again, so that no single commit rewrites more than
    /// about `fanIn^maximumLevel` commits' worth of entries (8^4 batches of 1000: about four
    /// million envelopes, one commit of a second or two every four million envelopes). Older
    /// data then lies in several top-level runs, each one more seek for a reader; retention
    /// empties and removes the oldest.
    static let maximumLevel: UInt8 = 4

    /// One run: its number (the key prefix), its level (0 for a commit's own run) and the sent
    /// times its envelopes span when it was written (removals never narrow it).
    struct Run: Equatable {
        let id: UInt32
        let level: UInt8
        let sent: ClosedRange<UInt32>

        /// A run whose span is unknown (a directory entry of schema 8 or older) spans all time.
        init(id: UInt32, level: UInt8, sent: ClosedRange<UInt32> = 0...UInt32.max) {
            self.id = id
            self.level = level
            self.sent = sent
        }

        /// Whether the run may hold entries of envelopes sent at a time of `range`.
        func overlaps(_ range: ClosedRange<UInt32>) -> Bool { sent.overlaps(range) }

        /// The directory value: `level u8 ++ BE32(first sent) ++ BE32(last sent)`.
        var directoryValue: [UInt8] { [level] + BigEndian.bytes(sent.lowerBound) + BigEndian.bytes(sent.upperBound) }

        /// The span of the envelopes whose topic entries are `entries` (all time when none).
        static func span(of entries: [TopicIndexEntry]) -> ClosedRange<UInt32> {
            guard let first = entries.first else { return 0...UInt32.max }
            var (low, high) = (first.sent, first.sent)
            for entry in entries {
                low = min(low, entry.sent)
                high = max(high, entry.sent)
            }
            return low...high
        }
    }

    /// Every run, oldest (lowest number) first.
    static func runs(_ txn: Transaction, _ dbs: Databases) throws(StoreError) -> [Run] {
        var runs: [Run] = []
        let cursor = try txn.cursor(dbs.runs)
        var entry = try cursor.get(MDB_FIRST)
        while let current = entry {
            let (key, value) = current
            // Schemas 2-8 wrote the level alone.
            guard key.count == 4, value.count == 1 || value.count == 9,
                  value.count == 1 || BigEndian.uint32(value, at: 1) <= BigEndian.uint32(value, at: 5) else {
                throw .corrupt("a run directory entry of \(key.count)+\(value.count) bytes")
            }
            runs.append(value.count == 1 ? Run(id: BigEndian.uint32(key), level: value[0])
                : Run(id: BigEndian.uint32(key), level: value[0],
                      sent: BigEndian.uint32(value, at: 1)...BigEndian.uint32(value, at: 5)))
            entry = try cursor.get(MDB_NEXT)
        }
        return runs
    }

    /// The index key of `run`: all of a run's entries are the sorted duplicates of this one key.
    static func key(run: UInt32) -> [UInt8] { BigEndian.bytes(run) }

    /// Writes sorted, distinct entries as run `id` of a `DUPFIXED` database of fixed-size
    /// entries (schemas 3-8; the migrations), which must sort after every key of the
    /// database (it is the highest run number), so each put appends to the right edge. With
    /// `appending` false (a migration rewriting a run in place) the run's key may lie anywhere;
    /// its entries are still appended to it.
    static func write<Entry: IndexEntry>(_ entries: [Entry], run id: UInt32, into dbi: MDB_dbi,
                                         _ txn: Transaction, appending: Bool = true) throws(StoreError) {
        guard !entries.isEmpty else { return }
        let cursor = try txn.cursor(dbi)
        let runKey = key(run: id)
        // All entries back to back: the first creates the run's key, the rest follow in one
        // MDB_MULTIPLE call (one call into LMDB instead of one per entry).
        let size = Entry.byteCount
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size * entries.count, alignment: 8)
        defer { buffer.deallocate() }
        for (index, entry) in entries.enumerated() { entry.write(to: buffer.baseAddress! + index * size) }
        try withRawBytes(runKey) { (k) throws(StoreError) in
            guard try cursor.put(k, UnsafeRawBufferPointer(rebasing: buffer[0..<size]),
                                 flags: appending ? MDB_APPEND : MDB_NODUPDATA) else {
                throw .corrupt("index run \(id) was written out of order")
            }
            let rest = entries.count - 1
            guard rest > 0 else { return }
            let written = try cursor.appendDuplicates(k, UnsafeRawBufferPointer(rebasing: buffer[size...]), size: size,
                                                      count: rest)
            guard written == rest else { throw .corrupt("index run \(id) was written out of order") }
        }
    }

    /// Every entry of one run of fixed-size entries (schemas 3-8; the migrations), in order,
    /// read a page of values at a time (MDB_GET_MULTIPLE).
    static func entries<Entry: IndexEntry>(of run: UInt32, in dbi: MDB_dbi, _ txn: Transaction)
        throws(StoreError) -> [Entry]
    {
        var out: [Entry] = []
        let cursor = try txn.cursor(dbi)
        guard let first = try cursor.get(MDB_SET_KEY, key: key(run: run)) else { return out }
        let count = try cursor.duplicateCount()
        // A key with a single value has no duplicate page, and MDB_GET_MULTIPLE returns nothing
        // for it (successfully), so that value is taken from the positioning read.
        guard count > 1 else {
            guard first.value.count == Entry.byteCount else { throw .corrupt("an index value of \(first.value.count) bytes") }
            return [Entry(raw: first.value)]
        }
        out.reserveCapacity(count)
        var page = try cursor.get(MDB_GET_MULTIPLE)
        while let current = page {
            guard current.value.count % Entry.byteCount == 0 else {
                throw .corrupt("an index value of \(current.value.count) bytes")
            }
            for offset in stride(from: 0, to: current.value.count, by: Entry.byteCount) {
                out.append(Entry(raw: UnsafeRawBufferPointer(rebasing: current.value[offset..<(offset + Entry.byteCount)])))
            }
            page = try cursor.get(MDB_NEXT_MULTIPLE)
        }
        guard out.count == count else { throw .corrupt("run \(run) read \(out.count) of its \(count) entries") }
        return out
    }

    /// Deletes every entry of one run (the key with all its duplicates, in one call).
    static func delete(run: UInt32, from dbi: MDB_dbi, _ txn: Transaction) throws(StoreError) {
        try txn.delete(dbi, key(run: run))
    }

    /// Merges sorted entry lists into one sorted list, dropping exact repeats (two envelopes
    /// may share a hash prefix and a sent time; one hash entry serves both).
    static func merge<Entry: IndexEntry>(_ lists: [[Entry]]) -> [Entry] {
        var out: [Entry] = []
        out.reserveCapacity(lists.reduce(0) { $0 + $1.count })
        var heads = [Int](repeating: 0, count: lists.count)
        while true {
            var best: Int?
            for (slot, list) in lists.enumerated() where heads[slot] < list.count {
                guard let current = best else { best = slot; continue }
                if list[heads[slot]] < lists[current][heads[current]] { best = slot }
            }
            guard let slot = best else { return out }
            let entry = lists[slot][heads[slot]]
            heads[slot] += 1
            if let last = out.last, last == entry { continue }
            out.append(entry)
        }
    }

    /// Sorts a commit's entries and drops exact repeats.
    static func sortedDistinct<Entry: IndexEntry>(_ entries: [Entry]) -> [Entry] {
        var sorted = entries.sorted()
        var kept = 0
        for index in sorted.indices where kept == 0 || sorted[kept - 1] != sorted[index] {
            sorted[kept] = sorted[index]
            kept += 1
        }
        sorted.removeLast(sorted.count - kept)
        return sorted
    }
}
