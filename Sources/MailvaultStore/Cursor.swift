import CLMDB

/// An LMDB cursor over one database of one transaction; closed with `close()`.
///
/// Keys and values it returns point into the memory map (see `Transaction`).
final class Cursor {
    let pointer: OpaquePointer

    init(pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        mdb_cursor_close(pointer)
    }

    /// One cursor step; `nil` at the end (MDB_NOTFOUND).
    func get(_ op: MDB_cursor_op, key: [UInt8]? = nil, value: [UInt8]? = nil)
        throws(StoreError) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)?
    {
        let (rc, k, v): (Int32, MDB_val, MDB_val) = withOptionalBytes(key) { keyBytes in
            withOptionalBytes(value) { valueBytes in
                var k = MDB_val(mv_size: keyBytes?.count ?? 0,
                                mv_data: UnsafeMutableRawPointer(mutating: keyBytes?.baseAddress))
                var v = MDB_val(mv_size: valueBytes?.count ?? 0,
                                mv_data: UnsafeMutableRawPointer(mutating: valueBytes?.baseAddress))
                let rc = mdb_cursor_get(pointer, &k, &v, op)
                return (rc, k, v)
            }
        }
        if rc == MDB_NOTFOUND { return nil }
        try Transaction.check(rc, "cursor_get")
        return (UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    /// Writes at the cursor; returns false when the flags forbade it (MDB_KEYEXIST).
    @discardableResult
    func put(_ key: [UInt8], _ value: [UInt8], flags: Int32) throws(StoreError) -> Bool {
        let rc: Int32 = key.withUnsafeBytes { k in
            value.withUnsafeBytes { v in
                var kv = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
                var vv = MDB_val(mv_size: v.count, mv_data: UnsafeMutableRawPointer(mutating: v.baseAddress))
                return mdb_cursor_put(pointer, &kv, &vv, UInt32(bitPattern: flags))
            }
        }
        if rc == MDB_KEYEXIST { return false }
        try Transaction.check(rc, "cursor_put")
        return true
    }

    @discardableResult
    func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, flags: Int32) throws(StoreError) -> Bool {
        var kv = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var vv = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        let rc = mdb_cursor_put(pointer, &kv, &vv, UInt32(bitPattern: flags))
        if rc == MDB_KEYEXIST { return false }
        try Transaction.check(rc, "cursor_put")
        return true
    }

    /// Appends `count` fixed-size duplicates of `size` bytes each, stored back to back at
    /// `values`, under `key` in one call (MDB_MULTIPLE, a DUPFIXED database only), each
    /// sorting after the key's last one (MDB_APPENDDUP); returns how many were written.
    func appendDuplicates(_ key: UnsafeRawBufferPointer, _ values: UnsafeRawBufferPointer, size: Int,
                          count: Int) throws(StoreError) -> Int {
        var kv = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var pair = (MDB_val(mv_size: size, mv_data: UnsafeMutableRawPointer(mutating: values.baseAddress)),
                    MDB_val(mv_size: count, mv_data: nil))
        let rc = withUnsafeMutableBytes(of: &pair) { raw in
            mdb_cursor_put(pointer, &kv, raw.baseAddress!.assumingMemoryBound(to: MDB_val.self),
                           UInt32(bitPattern: MDB_MULTIPLE | MDB_APPENDDUP))
        }
        if rc == MDB_KEYEXIST { return pair.1.mv_size }
        try Transaction.check(rc, "cursor_put")
        return pair.1.mv_size
    }

    /// Deletes the entry under the cursor (with `MDB_NODUPDATA`, the key and all its duplicates).
    func delete(flags: Int32 = 0) throws(StoreError) {
        try Transaction.check(mdb_cursor_del(pointer, UInt32(bitPattern: flags)), "cursor_del")
    }

    /// Number of duplicates of the current key.
    func duplicateCount() throws(StoreError) -> Int {
        var count: Int = 0
        try Transaction.check(mdb_cursor_count(pointer, &count), "cursor_count")
        return count
    }
}

private func withOptionalBytes<T>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> T) -> T {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}
