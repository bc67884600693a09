import CLMDB
import Foundation

/// The raw LMDB baseline of the `ingest` section: the same loop as `baseline_lmdb_ingest` in
/// Benchmarks/Benchmarks/StoreBaselines/StoreBaselines.c (the store report's C baseline),
/// written in Swift over the same C API so that `mailvault bench` needs no C target of its own.
/// It puts the same keys (`BE32(sent) ++ hash`, 36 bytes) and values (the RLP) as the store
/// receives into a fresh environment, `batch` puts per write transaction, each commit durable
/// (LMDB's default flags: data pages and meta page synced). No indexes, no compression, no
/// dedupe: what the disk and LMDB cost alone.
struct LMDBIngestLoop {
    /// Keys back to back, `keySize` bytes each; values back to back, value i being
    /// `values[offsets[i] ..< offsets[i + 1]]`.
    let keys: [UInt8]
    let keySize: Int
    let values: [UInt8]
    let offsets: [Int]

    var count: Int { offsets.count - 1 }

    /// Writes every pair into a new environment in `directory` (created); throws on an LMDB error.
    func run(directory: String, batch: Int) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var environment: OpaquePointer?
        try check(mdb_env_create(&environment), "mdb_env_create")
        defer { mdb_env_close(environment) }
        mdb_env_set_mapsize(environment, 1 << 36)
        try check(mdb_env_open(environment, directory, 0, 0o644), "mdb_env_open")
        var database: MDB_dbi = 0
        try keys.withUnsafeBytes { keyBytes in
            try values.withUnsafeBytes { valueBytes in
                for start in stride(from: 0, to: count, by: batch) {
                    var transaction: OpaquePointer?
                    try check(mdb_txn_begin(environment, nil, 0, &transaction), "mdb_txn_begin")
                    do {
                        if start == 0 { try check(mdb_dbi_open(transaction, nil, 0, &database), "mdb_dbi_open") }
                        for index in start..<min(start + batch, count) {
                            var key = MDB_val(mv_size: keySize,
                                              mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress! + index * keySize))
                            var value = MDB_val(mv_size: offsets[index + 1] - offsets[index],
                                                mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress! + offsets[index]))
                            try check(mdb_put(transaction, database, &key, &value, 0), "mdb_put")
                        }
                    } catch {
                        mdb_txn_abort(transaction)
                        throw error
                    }
                    try check(mdb_txn_commit(transaction), "mdb_txn_commit")
                }
            }
        }
    }

    private func check(_ code: Int32, _ call: String) throws {
        guard code != 0 else { return }
        throw BenchError("\(call): \(String(cString: mdb_strerror(code)))")
    }
}
