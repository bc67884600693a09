import CLMDB
import Foundation

/// A thin, typed view of an LMDB transaction: the store's only way to touch the database.
///
/// Values returned by `get` and by cursors point into LMDB's memory map and stay valid only
/// until the transaction ends or (for a write transaction) the same value is written again.
struct Transaction {
    let pointer: OpaquePointer

    /// The value stored under `key`, read in place; `nil` when absent.
    func get(_ dbi: MDB_dbi, _ key: UnsafeRawBufferPointer) throws(StoreError) -> UnsafeRawBufferPointer? {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val()
        let rc = mdb_get(pointer, dbi, &k, &v)
        if rc == MDB_NOTFOUND { return nil }
        try Transaction.check(rc, "get")
        return UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
    }

    func get(_ dbi: MDB_dbi, _ key: [UInt8]) throws(StoreError) -> UnsafeRawBufferPointer? {
        try withRawBytes(key) { (k) throws(StoreError) in try get(dbi, k) }
    }

    /// Writes a value; returns false when `flags` forbade it because the key (or, for sorted
    /// duplicates, the pair) already exists.
    @discardableResult
    func put(_ dbi: MDB_dbi, _ key: [UInt8], _ value: [UInt8], flags: Int32 = 0) throws(StoreError) -> Bool {
        try withRawBytes(key) { (k) throws(StoreError) in
            try withRawBytes(value) { (v) throws(StoreError) in try put(dbi, k, v, flags: flags) }
        }
    }

    @discardableResult
    func put(_ dbi: MDB_dbi, _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer,
             flags: Int32 = 0) throws(StoreError) -> Bool {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        let rc = mdb_put(pointer, dbi, &k, &v, UInt32(bitPattern: flags))
        if rc == MDB_KEYEXIST { return false }
        try Transaction.check(rc, "put")
        return true
    }

    /// Deletes a key (with `value`, one duplicate of a sorted-duplicates database); returns
    /// false when it was not there.
    @discardableResult
    func delete(_ dbi: MDB_dbi, _ key: [UInt8], value: [UInt8]? = nil) throws(StoreError) -> Bool {
        let rc: Int32 = key.withUnsafeBytes { k in
            var kv = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
            guard let value else { return mdb_del(pointer, dbi, &kv, nil) }
            return value.withUnsafeBytes { v in
                var vv = MDB_val(mv_size: v.count, mv_data: UnsafeMutableRawPointer(mutating: v.baseAddress))
                return mdb_del(pointer, dbi, &kv, &vv)
            }
        }
        if rc == MDB_NOTFOUND { return false }
        try Transaction.check(rc, "del")
        return true
    }

    /// Removes every entry of a database (keeps the database).
    func clear(_ dbi: MDB_dbi) throws(StoreError) {
        try Transaction.check(mdb_drop(pointer, dbi, 0), "drop")
    }

    /// Opens an existing named database that the current schema no longer lists (a migration's
    /// source); `nil` when the environment has none of that name.
    func openExisting(_ name: String, flags: Int32) throws(StoreError) -> MDB_dbi? {
        var dbi: MDB_dbi = 0
        let rc = mdb_dbi_open(pointer, name, UInt32(flags), &dbi)
        if rc == MDB_NOTFOUND { return nil }
        try Transaction.check(rc, "dbi_open \(name)")
        return dbi
    }

    /// Deletes a database and its name from the environment.
    func dropDatabase(_ dbi: MDB_dbi) throws(StoreError) {
        try Transaction.check(mdb_drop(pointer, dbi, 1), "drop")
    }

    /// Number of entries (duplicates counted) in a database.
    func count(_ dbi: MDB_dbi) throws(StoreError) -> Int {
        var stat = MDB_stat()
        try Transaction.check(mdb_stat(pointer, dbi, &stat), "stat")
        return stat.ms_entries
    }

    func cursor(_ dbi: MDB_dbi) throws(StoreError) -> Cursor {
        var cursor: OpaquePointer?
        try Transaction.check(mdb_cursor_open(pointer, dbi, &cursor), "cursor_open")
        guard let cursor else { throw .lmdb(operation: "cursor_open", code: EINVAL) }
        return Cursor(pointer: cursor)
    }

    /// Turns an LMDB return code into a typed error (ENOSPC, the full disk, gets its own case).
    static func check(_ rc: Int32, _ operation: String) throws(StoreError) {
        guard rc != 0 else { return }
        if rc == ENOSPC || rc == EDQUOT { throw .diskFull }
        throw .lmdb(operation: operation, code: rc)
    }
}

/// Runs `body` with the bytes of an array, keeping the typed error.
func withRawBytes<T>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(StoreError) -> T) throws(StoreError) -> T {
    let result: Result<T, StoreError> = bytes.withUnsafeBytes { raw in
        do throws(StoreError) {
            return .success(try body(raw))
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}
