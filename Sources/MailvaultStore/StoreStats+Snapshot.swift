import CLMDB
import MailvaultCore

extension StoreStats {
    /// The figures of one snapshot; `fileBytes` is left 0 for the caller, which knows the file.
    init(_ snapshot: ReadSnapshot, map info: (mapBytes: Int, lastPage: Int, pageSize: Int)) throws(StoreError) {
        let (txn, dbs) = (snapshot.txn, snapshot.dbs)
        let primary = PrimaryIndex(txn: txn, dbi: dbs.primary)
        let counters = try snapshot.counters()
        self.init(
            schemaVersion: try snapshot.schemaVersion() ?? 0,
            envelopes: Int(counters.count),
            topics: try txn.count(dbs.topicDirectory),
            rawBytes: counters.rawBytes, storedBytes: counters.storedBytes, fileBytes: 0,
            // The environment's last page may be read before this snapshot began while writers
            // commit (the C API's stats beside ingest): never let the difference go below zero.
            usedBytes: UInt64(max(0, info.lastPage + 1 - (try snapshot.freePages()))) * UInt64(info.pageSize),
            compressedEnvelopes: Int(counters.compressed),
            compressionRatio: counters.storedBytes == 0 ? 1 : Double(counters.rawBytes) / Double(counters.storedBytes),
            oldestSent: try primary.edge(last: false)?.sent,
            newestSent: try primary.edge(last: true)?.sent,
            blocks: try txn.count(dbs.blocks), mapBytes: UInt64(info.mapBytes))
    }
}
