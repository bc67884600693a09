import CLMDB
import MailvaultCore

/// Counts and sizes of a store, read from one snapshot.
public struct StoreStats: Hashable, Sendable {
    /// The schema version recorded in the database.
    public var schemaVersion: UInt32
    /// Envelopes stored.
    public var envelopes: Int
    /// Distinct topics stored.
    public var topics: Int
    /// Sum of the envelopes' RLP sizes.
    public var rawBytes: UInt64
    /// Sum of the stored records' sizes (after compression, with their small headers).
    public var storedBytes: UInt64
    /// Size of the database file.
    public var fileBytes: UInt64
    /// Bytes of the file's pages in use (the rest is LMDB's free list, reused before the file grows).
    public var usedBytes: UInt64
    /// Envelopes stored compressed.
    public var compressedEnvelopes: Int
    /// `rawBytes / storedBytes` (1 when empty).
    public var compressionRatio: Double
    /// Sent time of the oldest envelope, `nil` when empty.
    public var oldestSent: UInt32?
    /// Sent time of the newest envelope, `nil` when empty.
    public var newestSent: UInt32?
    /// Blocks holding records.
    public var blocks: Int
    /// The current memory-map size (grows by itself when full).
    public var mapBytes: UInt64
}

extension StoreStats {
    /// The figures of one snapshot; `fileBytes` is left 0 for the caller, which knows the file.
    init(_ snapshot: ReadSnapshot, map info: (mapBytes: Int, lastPage: Int, pageSize: Int)) throws(StoreError) {
        let (txn, dbs) = (snapshot.txn, snapshot.dbs)
        let envelopes = try txn.cursor(dbs.envelopes)
        let counters = try snapshot.counters()
        self.init(
            schemaVersion: try snapshot.schemaVersion() ?? 0,
            envelopes: Int(counters.count),
            topics: try txn.count(dbs.topicDirectory),
            rawBytes: counters.rawBytes, storedBytes: counters.storedBytes, fileBytes: 0,
            usedBytes: UInt64(info.lastPage + 1 - (try snapshot.freePages())) * UInt64(info.pageSize),
            compressedEnvelopes: Int(counters.compressed),
            compressionRatio: counters.storedBytes == 0 ? 1 : Double(counters.rawBytes) / Double(counters.storedBytes),
            oldestSent: try envelopes.get(MDB_FIRST).map { EnvelopeKey(raw: $0.key).sent },
            newestSent: try envelopes.get(MDB_LAST).map { EnvelopeKey(raw: $0.key).sent },
            blocks: try txn.count(dbs.blocks), mapBytes: UInt64(info.mapBytes))
    }
}
