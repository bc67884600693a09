/// A 4-byte envelope topic (Whisper v6 `TopicType`).
public struct Topic: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The four bytes as a big-endian integer: byte 0 is the most significant.
    public var rawValue: UInt32

    /// The topic whose bytes, read big-endian, are `rawValue`.
    @inlinable
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// The topic with bytes `b0 b1 b2 b3`.
    @inlinable
    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8) {
        rawValue = UInt32(b0) << 24 | UInt32(b1) << 16 | UInt32(b2) << 8 | UInt32(b3)
    }

    /// A topic from exactly four bytes; `nil` for any other length.
    @inlinable
    public init?<C: Collection<UInt8>>(bytes: C) {
        guard bytes.count == 4 else { return nil }
        rawValue = bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Parses 8 hex digits, with or without `0x`.
    public init(hex: String) throws(HexError) {
        let bytes = try Hex.decode(hex)
        guard let topic = Topic(bytes: bytes) else {
            throw .wrongLength(expected: 4, actual: bytes.count)
        }
        self = topic
    }

    /// Byte `index` (0 ..< 4).
    @inlinable
    public subscript(index: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: rawValue >> UInt32(24 - 8 * index))
    }

    /// The four bytes.
    public var bytes: [UInt8] { [self[0], self[1], self[2], self[3]] }

    /// The topic's 64-byte bloom (see `Bloom.init(topic:)`).
    @inlinable
    public var bloom: Bloom { Bloom(topic: self) }

    /// "0x" followed by 8 lowercase hex digits.
    public var description: String { Hex.encode(bytes, prefix: true) }

    @inlinable
    public static func < (lhs: Topic, rhs: Topic) -> Bool { lhs.rawValue < rhs.rawValue }
}
