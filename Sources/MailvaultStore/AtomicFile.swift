import Foundation

/// Small state files written so that a crash or a full disk never leaves half of one: a file is
/// replaced whole (written beside itself, synced, renamed over), and a line is appended whole or
/// not at all. Both sync before they return, so what they report written survives a power cut.
public enum AtomicFile {
    /// Writes `bytes` as the whole content of `path`: into `path.tmp`, synced, renamed over
    /// `path`, and the directory synced so the rename itself is durable. A reader or a backup
    /// sees the old file or the new one; when the new one cannot be written the old one stays.
    public static func replace(_ path: String, with bytes: [UInt8]) throws(StoreError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .io(operation: "open", path: temporary, errno: errno) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = written == bytes.count && fsync(fd) == 0
        let error = errno
        close(fd)
        guard synced, rename(temporary, path) == 0 else {
            let failure = synced ? errno : error
            unlink(temporary)
            throw failure == ENOSPC ? .diskFull : .io(operation: "write", path: temporary, errno: failure)
        }
        syncDirectory(of: path)
    }

    /// Writes `lines`, each followed by a newline, as the whole content of `path` (`replace`).
    public static func replaceLines(_ path: String, with lines: [[UInt8]]) throws(StoreError) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(lines.reduce(0) { $0 + $1.count + 1 })
        for line in lines {
            bytes += line
            bytes.append(10)
        }
        try replace(path, with: bytes)
    }

    /// Appends `line` and a newline whole or not at all: a failed write (a full disk) is cut
    /// back off, and a line left unfinished by an earlier crash is ended first.
    public static func appendLine(_ line: [UInt8], to path: String) throws(StoreError) {
        let fd = open(path, O_RDWR | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        var bytes = line + [10]
        if size > 0 {
            var last: UInt8 = 0
            if pread(fd, &last, 1, size - 1) == 1, last != 10 { bytes.insert(10, at: 0) }
        }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            let error = errno
            _ = ftruncate(fd, size)
            throw error == ENOSPC ? .diskFull : .io(operation: "write", path: path, errno: error)
        }
    }

    /// The file's bytes, `nil` when it cannot be read.
    public static func read(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { Array($0) }
    }

    private static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
