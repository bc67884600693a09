import CLMDB

/// The topic and hash indexes as sorted runs, one per commit, merged in bulk (an LSM tree made
/// of LMDB keys; layout and costs in Docs/Storage.md).
///
/// Both indexes are `DUPSORT | DUPFIXED` databases keyed by `BE32(run) ++ 4-byte subkey` (the
/// topic, or the hash's first four bytes). A commit writes its new entries as a fresh run whose
/// number is the highest, so every put is an `MDB_APPEND`/`MDB_APPENDDUP` onto the right edge of
/// the tree: a commit of 1000 envelopes writes a few full pages per index instead of
/// copy-on-writing one scattered leaf per envelope, which is what random-keyed indexes cost.
/// Readers consult every run; `runs` lists them, so a reader's snapshot sees a consistent set.
enum IndexRuns {
    /// Runs merged at once, and the ratio between the sizes of consecutive levels: each entry
    /// is rewritten once per level, and a reader consults at most `fanIn - 1` runs per level.
    static let fanIn = 4

    /// Runs of this level are never merged again, so that no single commit rewrites more than
    /// about `fanIn^maximumLevel` commits' worth of entries (4^5 batches of 1000: about a million
    /// envelopes, a few hundred milliseconds). Older data then lies in several top-level runs,
    /// each one more seek for a reader; retention empties and removes the oldest.
    static let maximumLevel: UInt8 = 5

    /// One run: its number (the key prefix) and its level (0 for a commit's own run).
    struct Run: Equatable {
        let id: UInt32
        let level: UInt8
    }

    /// Every run, oldest (lowest number) first.
    static func runs(_ txn: Transaction, _ dbs: Databases) throws(StoreError) -> [Run] {
        var runs: [Run] = []
        let cursor = try txn.cursor(dbs.runs)
        var entry = try cursor.get(MDB_FIRST)
        while let current = entry {
            guard current.key.count == 4, current.value.count == 1 else {
                throw .corrupt("a run directory entry of \(current.key.count)+\(current.value.count) bytes")
            }
            runs.append(Run(id: BigEndian.uint32(current.key), level: current.value[0]))
            entry = try cursor.get(MDB_NEXT)
        }
        return runs
    }

    /// The index key of `subkey` in `run`.
    static func key(run: UInt32, _ subkey: UInt32) -> [UInt8] {
        var out = BigEndian.bytes(run)
        BigEndian.append(subkey, to: &out)
        return out
    }

    /// Writes sorted, distinct `(subkey, value)` entries as run `id`, which must sort after every
    /// key of the database (it is the highest run number), so each put appends.
    static func write(_ entries: [(subkey: UInt32, value: [UInt8])], run id: UInt32, into dbi: MDB_dbi,
                      _ txn: Transaction) throws(StoreError) {
        let cursor = try txn.cursor(dbi)
        var previous: UInt32?
        for entry in entries {
            let flags = previous == entry.subkey ? MDB_APPENDDUP : MDB_APPEND
            guard try cursor.put(key(run: id, entry.subkey), entry.value, flags: flags) else {
                throw .corrupt("index run \(id) was written out of order")
            }
            previous = entry.subkey
        }
    }

    /// Every entry of one run, in order.
    static func entries(of run: UInt32, in dbi: MDB_dbi, _ txn: Transaction) throws(StoreError)
        -> [(subkey: UInt32, value: [UInt8])]
    {
        var out: [(subkey: UInt32, value: [UInt8])] = []
        let prefix = BigEndian.bytes(run)
        let cursor = try txn.cursor(dbi)
        var entry = try cursor.get(MDB_SET_RANGE, key: prefix)
        while let current = entry, current.key.count == 8, current.key.prefix(4).elementsEqual(prefix) {
            out.append((BigEndian.uint32(current.key, at: 4), Array(current.value)))
            entry = try cursor.get(MDB_NEXT)
        }
        return out
    }

    /// Deletes every entry of one run.
    static func delete(run: UInt32, from dbi: MDB_dbi, _ txn: Transaction) throws(StoreError) {
        let prefix = BigEndian.bytes(run)
        let cursor = try txn.cursor(dbi)
        func inRun(_ entry: (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)?) -> Bool {
            guard let entry else { return false }
            return entry.key.count == 8 && entry.key.prefix(4).elementsEqual(prefix)
        }
        var entry = try cursor.get(MDB_SET_RANGE, key: prefix)
        while inRun(entry) {
            try cursor.delete(flags: MDB_NODUPDATA)
            // A delete normally leaves the cursor on the following entry, which saves a seek
            // per key; when it does not (LMDB answers EINVAL once the tree is emptied or
            // rebalanced under the cursor), a seek to the run's first remaining key decides.
            entry = try? cursor.get(MDB_GET_CURRENT)
            if !inRun(entry) { entry = try cursor.get(MDB_SET_RANGE, key: prefix) }
        }
    }

    /// Merges sorted entry lists into one sorted list, dropping exact repeats (two envelopes
    /// may share a hash prefix and a sent time; one hash entry serves both).
    static func merge(_ lists: [[(subkey: UInt32, value: [UInt8])]]) -> [(subkey: UInt32, value: [UInt8])] {
        var out: [(subkey: UInt32, value: [UInt8])] = []
        out.reserveCapacity(lists.reduce(0) { $0 + $1.count })
        var heads = [Int](repeating: 0, count: lists.count)
        while true {
            var best: Int?
            for (slot, list) in lists.enumerated() where heads[slot] < list.count {
                guard let current = best else { best = slot; continue }
                if precedes(list[heads[slot]], lists[current][heads[current]]) { best = slot }
            }
            guard let slot = best else { return out }
            let entry = lists[slot][heads[slot]]
            heads[slot] += 1
            if let last = out.last, last.subkey == entry.subkey, last.value == entry.value { continue }
            out.append(entry)
        }
    }

    static func precedes(_ a: (subkey: UInt32, value: [UInt8]), _ b: (subkey: UInt32, value: [UInt8])) -> Bool {
        a.subkey != b.subkey ? a.subkey < b.subkey : a.value.lexicographicallyPrecedes(b.value)
    }
}
