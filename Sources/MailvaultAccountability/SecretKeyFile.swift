import Foundation
import MailvaultCore

/// A 32-byte secret kept as 64 hex digits in a file only its owner can read: the provider's
/// secp256k1 key, the node's VAPID key.
public enum SecretKeyFile {
    /// The secret in `path`. When the file does not exist and `create` is true, `generate()`'s
    /// secret is written there first (mode 0600, created exclusively, fsynced). A file others can
    /// read, or one that does not hold 32 bytes of hex, is refused.
    public static func load(path: String, create: Bool, generate: () -> [UInt8]) throws(AccountabilityError) -> [UInt8] {
        if !FileManager.default.fileExists(atPath: path) {
            guard create else { throw .invalidKeyFile(path: path, reason: "it does not exist") }
            let secret = generate()
            let text = Hex.encode(secret) + "\n"
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            guard fd >= 0 else { throw .keyFileNotWritten(path: path, errno: errno) }
            defer { close(fd) }
            let written = text.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
            guard written == text.utf8.count, fsync(fd) == 0 else { throw .keyFileNotWritten(path: path, errno: errno) }
            return secret
        }
        var info = stat()
        guard stat(path, &info) == 0, let data = FileManager.default.contents(atPath: path) else {
            throw .invalidKeyFile(path: path, reason: "it cannot be read")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw .invalidKeyFile(path: path, reason: "others can read it; run chmod 600 \(path)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let secret = try? Hex.decode(text), secret.count == 32 else {
            throw .invalidKeyFile(path: path, reason: "it does not hold 32 bytes of hex")
        }
        return secret
    }
}
