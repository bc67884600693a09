/// The store's running totals, kept in `meta` so that `stats()` never scans: read at the start
/// of a write transaction, kept current by its inserts, removals and relocations, and written
/// back just before the commit.
struct StoreCounters: Equatable {
    /// Envelopes stored.
    var count: UInt64
    /// Sum of the envelopes' RLP sizes.
    var rawBytes: UInt64
    /// Sum of the stored records' sizes.
    var storedBytes: UInt64
    /// Records stored compressed.
    var compressed: UInt64

    func write(_ txn: Transaction, _ dbs: Databases) throws(StoreError) {
        try txn.put(dbs.meta, Schema.Meta.count, BigEndian.bytes(count))
        try txn.put(dbs.meta, Schema.Meta.rawBytes, BigEndian.bytes(rawBytes))
        try txn.put(dbs.meta, Schema.Meta.storedBytes, BigEndian.bytes(storedBytes))
        try txn.put(dbs.meta, Schema.Meta.compressed, BigEndian.bytes(compressed))
    }
}
