import CLMDB
import MailvaultCore

/// Keeps `syncBuckets` equal to the keys in `envelopes`, inside the write transaction that
/// changes them.
///
/// Each key that enters or leaves the primary index adds or subtracts its hash in its level-0
/// bucket's change, in memory; `finish()` adds each change to its bucket at every level (one
/// read and one write per touched bucket and level, not per envelope) and deletes the buckets
/// left empty. Changes are sums modulo 2^64 and 2^256, so a transaction that removes more than
/// it adds to a bucket carries a wrapped change that still adds up exactly.
final class SyncBucketWriter {
    private let txn: Transaction
    private let dbi: MDB_dbi
    /// The level-0 bucket changes of this transaction, but the current one.
    private var changes: [UInt32: KeySetSummary] = [:]
    /// The change of the bucket the last key fell in: ingest arrives mostly in time order, so
    /// most keys skip the dictionary.
    private var current: (bucket: UInt32, change: KeySetSummary)?

    init(txn: Transaction, dbi: MDB_dbi) {
        self.txn = txn
        self.dbi = dbi
    }

    /// Records that `key` entered the primary index.
    @inline(__always)
    func added(_ key: EnvelopeKey) {
        change(of: key) { $0.add(key.hash) }
    }

    /// Records that `key` left the primary index.
    @inline(__always)
    func removed(_ key: EnvelopeKey) {
        change(of: key) { $0.subtract(key.hash) }
    }

    @inline(__always)
    private func change(of key: EnvelopeKey, _ body: (inout KeySetSummary) -> Void) {
        let bucket = SyncBuckets.number(of: key.sent, level: 0)
        if var open = current, open.bucket == bucket {
            body(&open.change)
            current = open
            return
        }
        if let open = current { changes[open.bucket, default: .empty].add(open.change) }
        var change = KeySetSummary.empty
        body(&change)
        current = (bucket, change)
    }

    /// Adds this transaction's changes to the stored buckets of every level; deletes the
    /// buckets they empty.
    func finish() throws(StoreError) {
        if let open = current { changes[open.bucket, default: .empty].add(open.change) }
        current = nil
        guard !changes.isEmpty else { return }
        var level: [UInt32: KeySetSummary] = changes.filter { !$0.value.isEmpty }
        changes = [:]
        for index in 0..<SyncBuckets.levels {
            if index > 0 {
                var coarser: [UInt32: KeySetSummary] = [:]
                let shift = UInt32(SyncBuckets.shifts[index] - SyncBuckets.shifts[index - 1])
                for (number, change) in level { coarser[number >> shift, default: .empty].add(change) }
                level = coarser.filter { !$0.value.isEmpty }
            }
            // In key order, so that neighbouring buckets are written to the same pages.
            for number in level.keys.sorted() { try apply(level[number]!, to: number, level: index) }
        }
    }

    private func apply(_ change: KeySetSummary, to number: UInt32, level: Int) throws(StoreError) {
        let key = SyncBuckets.key(level: level, number: number)
        var summary = KeySetSummary.empty
        if let raw = try txn.get(dbi, key) {
            guard raw.count == SyncBuckets.valueByteCount else {
                throw .corrupt("a sync bucket holds \(raw.count) bytes")
            }
            summary = KeySetSummary(raw: raw)
        }
        summary.add(change)
        // A count past 2^63 is a wrapped negative one: a key was removed that its bucket never had.
        guard summary.count <= UInt64(Int64.max) else {
            throw .corrupt("sync bucket \(number) of level \(level) would hold a negative count")
        }
        if summary.count == 0 {
            guard summary.isEmpty else {
                throw .corrupt("sync bucket \(number) of level \(level) would hold no key but a non-zero sum")
            }
            try txn.delete(dbi, key)
        } else {
            try txn.put(dbi, key, summary.storedBytes)
        }
    }

    /// Rebuilds every bucket from the keys in `envelopes` (the schema 6 migration): one pass in
    /// key order, each bucket appended once.
    func rebuild(from envelopes: MDB_dbi) throws(StoreError) {
        try txn.clear(dbi)
        changes = [:]
        current = nil
        let levels = SyncBuckets.levels
        // The bucket being summed at each level, and the coarser levels' finished buckets.
        var open = [(number: UInt32, summary: KeySetSummary)?](repeating: nil, count: levels)
        var finished = [[(UInt32, KeySetSummary)]](repeating: [], count: levels)
        let target = try txn.cursor(dbi)
        func close(_ level: Int) throws(StoreError) {
            guard let bucket = open[level] else { return }
            if level == 0 {
                guard try target.put(SyncBuckets.key(level: 0, number: bucket.number), bucket.summary.storedBytes,
                                     flags: MDB_APPEND) else { throw .corrupt("the primary index is out of order") }
            } else {
                finished[level].append((bucket.number, bucket.summary))
            }
        }
        let cursor = try txn.cursor(envelopes)
        var entry = try cursor.get(MDB_FIRST)
        while let current = entry {
            guard current.key.count == EnvelopeKey.byteCount else {
                throw .corrupt("a primary key of \(current.key.count) bytes")
            }
            let key = EnvelopeKey(raw: current.key)
            for level in 0..<levels {
                let number = SyncBuckets.number(of: key.sent, level: level)
                if open[level]?.number != number {
                    try close(level)
                    open[level] = (number, .empty)
                }
                open[level]!.summary.add(key.hash)
            }
            entry = try cursor.get(MDB_NEXT)
        }
        for level in 0..<levels { try close(level) }
        for level in 1..<levels {
            for (number, summary) in finished[level] {
                try target.put(SyncBuckets.key(level: level, number: number), summary.storedBytes, flags: MDB_APPEND)
            }
        }
    }
}
