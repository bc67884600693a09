import CLMDB
import Foundation

/// An open LMDB environment and the rules for using it from many threads.
///
/// Readers take the shared side of `gate` for the length of a read transaction; growing the
/// memory map (which LMDB allows only while this process has no transaction open) takes the
/// exclusive side. The environment is opened with MDB_NOTLS, so a read transaction may run on
/// any thread, and without MDB_NOSYNC/MDB_NOMETASYNC, so a commit returns only once the data
/// and the meta page are on disk.
final class Environment: @unchecked Sendable {
    let pointer: OpaquePointer
    let directory: String
    let readOnly: Bool
    private let gate: UnsafeMutablePointer<pthread_rwlock_t>

    /// Largest map the store grows to; LMDB reserves address space only, not disk.
    static let maximumMapBytes = 1 << 44

    init(directory: String, mapBytes: Int, readOnly: Bool) throws(StoreError) {
        var env: OpaquePointer?
        try Transaction.check(mdb_env_create(&env), "env_create")
        guard let env else { throw .lmdb(operation: "env_create", code: ENOMEM) }
        pointer = env
        self.directory = directory
        self.readOnly = readOnly
        gate = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
        pthread_rwlock_init(gate, nil)
        do throws(StoreError) {
            try Transaction.check(mdb_env_set_maxdbs(env, MDB_dbi(Schema.names.count + 8)), "env_set_maxdbs")
            try Transaction.check(mdb_env_set_mapsize(env, mapBytes), "env_set_mapsize")
            try Transaction.check(mdb_env_set_maxreaders(env, 512), "env_set_maxreaders")
            let flags = MDB_NOTLS | MDB_NORDAHEAD | (readOnly ? MDB_RDONLY : 0)
            let rc = mdb_env_open(env, directory, UInt32(flags), 0o644)
            if rc == ENOENT { throw StoreError.io(operation: "open", path: directory, errno: ENOENT) }
            try Transaction.check(rc, "env_open")
            // Reader slots left by processes that died (kill -9) would pin old snapshots and
            // keep their pages from being reused; LMDB clears them on request.
            if !readOnly {
                var dead: Int32 = 0
                mdb_reader_check(env, &dead)
            }
        } catch {
            mdb_env_close(env)
            pthread_rwlock_destroy(gate)
            gate.deallocate()
            throw error
        }
    }

    deinit {
        mdb_env_close(pointer)
        pthread_rwlock_destroy(gate)
        gate.deallocate()
    }

    /// Runs `body` in a read transaction (a consistent snapshot); nothing it sees changes.
    func read<T>(_ body: (Transaction) throws(StoreError) -> T) throws(StoreError) -> T {
        pthread_rwlock_rdlock(gate)
        defer { pthread_rwlock_unlock(gate) }
        let txn = try begin(flags: MDB_RDONLY)
        defer { mdb_txn_abort(txn.pointer) }
        return try body(txn)
    }

    /// Runs `body` in a write transaction and commits it durably. When the map is full the
    /// transaction is abandoned, the map doubled, and `body` run again from the start, so
    /// `body` must keep its effects inside the transaction. Only one thread may write.
    func write<T>(_ body: (Transaction) throws(StoreError) -> T) throws(StoreError) -> T {
        while true {
            let outcome: Result<T, StoreError> = attemptWrite(body)
            switch outcome {
            case .success(let value):
                return value
            case .failure(.lmdb(_, let code)) where code == MDB_MAP_FULL:
                try grow()
            case .failure(let error):
                throw error
            }
        }
    }

    private func attemptWrite<T>(_ body: (Transaction) throws(StoreError) -> T) -> Result<T, StoreError> {
        pthread_rwlock_rdlock(gate)
        defer { pthread_rwlock_unlock(gate) }
        do throws(StoreError) {
            let txn = try begin(flags: 0)
            let value: T
            do throws(StoreError) {
                value = try body(txn)
            } catch {
                mdb_txn_abort(txn.pointer)
                throw error
            }
            // mdb_txn_commit frees the transaction whether or not it succeeds.
            let rc = mdb_txn_commit(txn.pointer)
            if rc == EIO, diskIsFull() {
                // LMDB reports a short write (what a full disk gives) as EIO.
                throw StoreError.diskFull
            }
            try Transaction.check(rc, "txn_commit")
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    /// True when the directory's file system has less than a megabyte left for us.
    private func diskIsFull() -> Bool {
        var status = statvfs()
        guard statvfs(directory, &status) == 0 else { return false }
        return UInt64(status.f_bavail) * UInt64(status.f_frsize) < 1 << 20
    }

    /// Doubles the memory map. Waits until no transaction of this process is open.
    func grow() throws(StoreError) {
        pthread_rwlock_wrlock(gate)
        defer { pthread_rwlock_unlock(gate) }
        var info = MDB_envinfo()
        try Transaction.check(mdb_env_info(pointer, &info), "env_info")
        guard info.me_mapsize < Environment.maximumMapBytes else { throw .lmdb(operation: "grow map", code: MDB_MAP_FULL) }
        try Transaction.check(mdb_env_set_mapsize(pointer, min(info.me_mapsize * 2, Environment.maximumMapBytes)),
                              "env_set_mapsize")
    }

    private func begin(flags: Int32) throws(StoreError) -> Transaction {
        var attempts = 0
        while true {
            var txn: OpaquePointer?
            let rc = mdb_txn_begin(pointer, nil, UInt32(flags), &txn)
            if rc == MDB_MAP_RESIZED, attempts < 3 {
                // Another process grew the map: adopt its size. That needs the exclusive side
                // of the gate, so step out of the shared side for a moment.
                attempts += 1
                pthread_rwlock_unlock(gate)
                pthread_rwlock_wrlock(gate)
                let adopt = mdb_env_set_mapsize(pointer, 0)
                pthread_rwlock_unlock(gate)
                pthread_rwlock_rdlock(gate)
                try Transaction.check(adopt, "env_set_mapsize")
                continue
            }
            try Transaction.check(rc, "txn_begin")
            guard let txn else { throw .lmdb(operation: "txn_begin", code: EINVAL) }
            return Transaction(pointer: txn)
        }
    }

    /// Opens (creating unless read-only) every named database.
    func openDatabases() throws(StoreError) -> Databases {
        let body = { (txn: Transaction) throws(StoreError) -> Databases in
            var handles: [MDB_dbi] = []
            for name in Schema.names {
                var dbi: MDB_dbi = 0
                let flags = Schema.flags(of: name) | (self.readOnly ? 0 : MDB_CREATE)
                let rc = mdb_dbi_open(txn.pointer, name, UInt32(flags), &dbi)
                if rc == MDB_NOTFOUND { throw self.missingDatabase(name, txn, meta: handles.first) }
                try Transaction.check(rc, "dbi_open \(name)")
                handles.append(dbi)
            }
            return Databases(handles)
        }
        if readOnly {
            // Handles opened in a read transaction stay valid after it ends only if the
            // transaction commits, so commit the read transaction.
            pthread_rwlock_rdlock(gate)
            defer { pthread_rwlock_unlock(gate) }
            let txn = try begin(flags: MDB_RDONLY)
            do throws(StoreError) {
                let dbs = try body(txn)
                try Transaction.check(mdb_txn_commit(txn.pointer), "txn_commit")
                return dbs
            } catch {
                mdb_txn_abort(txn.pointer)
                throw error
            }
        }
        return try write(body)
    }

    /// Why a read-only open found no database `name`: the store has an older schema, which
    /// only a read-write open migrates, or it is damaged.
    private func missingDatabase(_ name: String, _ txn: Transaction, meta: MDB_dbi?) -> StoreError {
        if let meta, let raw = try? txn.get(meta, Schema.Meta.schema), raw.count == 4,
           case let version = BigEndian.uint32(raw), version < Schema.version {
            return .needsMigration(directory: directory, version: version)
        }
        return .corrupt("the database '\(name)' is missing")
    }

    /// Size of the memory map, the last page used and the page size.
    func info() throws(StoreError) -> (mapBytes: Int, lastPage: Int, pageSize: Int) {
        var info = MDB_envinfo()
        try Transaction.check(mdb_env_info(pointer, &info), "env_info")
        var stat = MDB_stat()
        try Transaction.check(mdb_env_stat(pointer, &stat), "env_stat")
        return (info.me_mapsize, info.me_last_pgno, Int(stat.ms_psize))
    }

    /// A compacting copy (MDB_CP_COMPACT) of the current snapshot into `directory`.
    func copyCompacted(to directory: String) throws(StoreError) {
        pthread_rwlock_rdlock(gate)
        defer { pthread_rwlock_unlock(gate) }
        try Transaction.check(mdb_env_copy2(pointer, directory, UInt32(MDB_CP_COMPACT)), "env_copy2")
    }
}
