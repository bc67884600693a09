import Foundation

/// An advisory lock on `store.lock` in the store's directory.
///
/// Every open store holds it shared; an in-place compaction, which replaces the data file,
/// needs it exclusive, so it never runs under a process that has the store open.
final class DirectoryLock: @unchecked Sendable {
    private let descriptor: Int32

    init(directory: String, exclusive: Bool) throws(StoreError) {
        let path = directory + "/store.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        guard flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK {
                throw .busy(exclusive ? "another process has \(directory) open"
                                      : "\(directory) is being compacted")
            }
            throw .io(operation: "flock", path: path, errno: code)
        }
        descriptor = fd
    }

    deinit {
        close(descriptor)
    }
}
