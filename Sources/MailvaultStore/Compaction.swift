import Foundation

/// Compacting copies of a store's file (LMDB's MDB_CP_COMPACT: live pages only, the free list
/// dropped), beside a running store or in place of a closed one.
enum Compaction {
    /// Writes a compacting copy of `environment`'s current snapshot into `destination`, which
    /// must not hold a store. The environment stays open and usable meanwhile.
    static func copy(_ environment: Environment, to destination: String) throws(StoreError) {
        do {
            try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        } catch {
            throw .io(operation: "mkdir", path: destination, errno: EACCES)
        }
        if FileManager.default.fileExists(atPath: destination + "/data.mdb") {
            throw .invalidArgument("\(destination) already holds a database")
        }
        try environment.copyCompacted(to: destination)
    }

    /// Compacts the store in `directory` in place: a compacting copy, then an atomic rename
    /// over the old file. Needs the store closed everywhere (`StoreError.busy` otherwise).
    /// Returns the file's size before and after.
    static func inPlace(at directory: String) throws(StoreError) -> (before: UInt64, after: UInt64) {
        let lock = try DirectoryLock(directory: directory, exclusive: true)
        let data = directory + "/data.mdb"
        let staging = directory + "/compacting"
        guard let before = fileSize(data) else { throw .io(operation: "stat", path: data, errno: ENOENT) }
        try? FileManager.default.removeItem(atPath: staging)
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false)
        } catch {
            throw .io(operation: "mkdir", path: staging, errno: EACCES)
        }
        do {
            let environment = try Environment(directory: directory, mapBytes: 1 << 20, readOnly: false)
            try environment.copyCompacted(to: staging)
        }
        guard rename(staging + "/data.mdb", data) == 0 else { throw .io(operation: "rename", path: data, errno: errno) }
        // The lock file describes readers of the old file; nobody has it open (we hold the
        // directory lock exclusively), so it is safe to drop and LMDB recreates it.
        unlink(directory + "/lock.mdb")
        try? FileManager.default.removeItem(atPath: staging)
        guard let after = fileSize(data) else { throw .io(operation: "stat", path: data, errno: ENOENT) }
        withExtendedLifetime(lock) {}
        return (before, after)
    }

    /// The size of the file at `path`, or `nil` when it cannot be read.
    static func fileSize(_ path: String) -> UInt64? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = attributes[.size] as? NSNumber else { return nil }
        return size.uint64Value
    }
}
