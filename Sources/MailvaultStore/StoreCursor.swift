import MailvaultCore

/// A position in the archive's order: `BE32(sent) ++ hash(32)`, 36 bytes.
///
/// This is status-go's mailserver cursor (the key of the last envelope returned), and also the
/// store's primary key, so ordering cursors orders envelopes: by sent time, then by hash.
public struct StoreCursor: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The wire size of a cursor.
    public static let byteCount = 36

    /// The envelope's sent time (`expiry - ttl`).
    public let sent: UInt32
    /// The envelope's hash.
    public let hash: Hash256

    /// The cursor of the envelope with this sent time and hash.
    public init(sent: UInt32, hash: Hash256) {
        self.sent = sent
        self.hash = hash
    }

    /// Parses the 36 wire bytes; any other length is `StoreError.invalidCursorLength`.
    public init<C: Collection<UInt8>>(bytes: C) throws(StoreError) {
        guard bytes.count == StoreCursor.byteCount, let hash = Hash256(bytes: bytes.dropFirst(4)) else {
            throw .invalidCursorLength(bytes.count)
        }
        self.init(sent: BigEndian.uint32(bytes), hash: hash)
    }

    init(raw: UnsafeRawBufferPointer) {
        let sent = BigEndian.uint32(raw)
        let hash = Hash256(w0: BigEndian.uint64(raw, at: 4), w1: BigEndian.uint64(raw, at: 12),
                           w2: BigEndian.uint64(raw, at: 20), w3: BigEndian.uint64(raw, at: 28))
        self.init(sent: sent, hash: hash)
    }

    /// The 36 wire bytes.
    public var bytes: [UInt8] { withBytes { Array($0) } }

    /// Runs `body` on the 36 wire bytes, from the stack.
    public func withBytes<T>(_ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        var words = wireWords
        return try withUnsafeBytes(of: &words) { raw in
            try raw.withMemoryRebound(to: UInt8.self) { try body($0) }
        }
    }

    /// The 36 wire bytes as nine big-endian 32-bit words: a stack value with no padding.
    var wireWords: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) {
        func halves(_ word: UInt64) -> (UInt32, UInt32) {
            (UInt32(truncatingIfNeeded: word >> 32).bigEndian, UInt32(truncatingIfNeeded: word).bigEndian)
        }
        let (a, b, c, d) = (halves(hash.w0), halves(hash.w1), halves(hash.w2), halves(hash.w3))
        return (sent.bigEndian, a.0, a.1, b.0, b.1, c.0, c.1, d.0, d.1)
    }

    /// "0x" followed by 72 lowercase hex digits.
    public var description: String { Hex.encode(bytes, prefix: true) }

    /// The smallest key with this sent time.
    static func first(sent: UInt32) -> StoreCursor { StoreCursor(sent: sent, hash: .zero) }

    /// The largest key with this sent time.
    static func last(sent: UInt32) -> StoreCursor {
        StoreCursor(sent: sent, hash: Hash256(w0: .max, w1: .max, w2: .max, w3: .max))
    }

    public static func < (lhs: StoreCursor, rhs: StoreCursor) -> Bool {
        (lhs.sent, lhs.hash) < (rhs.sent, rhs.hash)
    }
}
