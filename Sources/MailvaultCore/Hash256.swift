/// A 256-bit hash (Keccak-256 output): an envelope's identity, a PoW hash.
///
/// Stored as four big-endian words so that comparison is byte-wise lexicographic, as LMDB and
/// status-go order keys, and leading-zero counting is four instructions.
public struct Hash256: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Bytes 0-7, 8-15, 16-23 and 24-31, each read as a big-endian integer.
    public var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// The all-zero hash.
    public static let zero = Hash256(w0: 0, w1: 0, w2: 0, w3: 0)

    /// Creates a hash from its four big-endian words.
    @inlinable
    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// Creates a hash from exactly 32 bytes; `nil` for any other length.
    ///
    /// Inlinable, so that it is specialized for the caller's collection: unspecialized, the
    /// generic iteration cost ten times the work (it was most of a Negentropy round's CPU).
    @inlinable
    public init?<C: Collection<UInt8>>(bytes: C) {
        guard bytes.count == 32 else { return nil }
        var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0
        var offset = 0
        for byte in bytes {
            let value = UInt64(byte)
            switch offset >> 3 {
            case 0: w0 = w0 << 8 | value
            case 1: w1 = w1 << 8 | value
            case 2: w2 = w2 << 8 | value
            default: w3 = w3 << 8 | value
            }
            offset += 1
        }
        self.init(w0: w0, w1: w1, w2: w2, w3: w3)
    }

    /// Parses 64 hex digits, with or without a `0x` prefix.
    public init(hex: String) throws(HexError) {
        let bytes = try Hex.decode(hex)
        guard let hash = Hash256(bytes: bytes) else {
            throw HexError.wrongLength(expected: 32, actual: bytes.count)
        }
        self = hash
    }

    /// The 32 bytes, most significant first.
    public var bytes: [UInt8] { withBytes { Array($0) } }

    /// Runs `body` on the 32 bytes, most significant first, from the stack.
    @inlinable
    public func withBytes<T>(_ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        var words = (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)
        return try withUnsafeBytes(of: &words) { raw in
            try raw.withMemoryRebound(to: UInt8.self) { try body($0) }
        }
    }

    /// Leading zero bits of the hash read as a 256-bit big-endian number (256 when all zero).
    @inlinable
    public var leadingZeroBitCount: Int {
        if w0 != 0 { return w0.leadingZeroBitCount }
        if w1 != 0 { return 64 + w1.leadingZeroBitCount }
        if w2 != 0 { return 128 + w2.leadingZeroBitCount }
        return 192 + w3.leadingZeroBitCount
    }

    /// "0x" followed by 64 lowercase hex digits.
    public var description: String { Hex.encode(bytes, prefix: true) }

    @inlinable
    public static func < (lhs: Hash256, rhs: Hash256) -> Bool {
        (lhs.w0, lhs.w1, lhs.w2, lhs.w3) < (rhs.w0, rhs.w1, rhs.w2, rhs.w3)
    }
}
