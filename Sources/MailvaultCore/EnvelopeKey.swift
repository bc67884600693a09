/// An envelope's place in the archive's order: `BE32(sent) ++ hash(32)`, 36 bytes.
///
/// It is the store's primary key and status-go's mailserver cursor (the key of the last envelope
/// a page returned), so ordering keys orders envelopes: by sent time, then by hash. Federation
/// ranges over the same key space.
public struct EnvelopeKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The wire size of a key.
    public static let byteCount = 36

    /// The envelope's sent time (`expiry - ttl`).
    public let sent: UInt32
    /// The envelope's hash.
    public let hash: Hash256

    /// The key of the envelope with this sent time and hash.
    @inlinable
    public init(sent: UInt32, hash: Hash256) {
        self.sent = sent
        self.hash = hash
    }

    /// The key of `envelope` (its hash computed from its encoding).
    public init(_ envelope: Envelope) {
        self.init(sent: envelope.sentTime, hash: envelope.hash)
    }

    /// Parses the 36 wire bytes; any other length is `QueryError.invalidKeyLength`.
    public init<C: Collection<UInt8>>(bytes: C) throws(QueryError) {
        guard bytes.count == EnvelopeKey.byteCount, let hash = Hash256(bytes: bytes.dropFirst(4)) else {
            throw .invalidKeyLength(bytes.count)
        }
        let sent = bytes.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        self.init(sent: sent, hash: hash)
    }

    /// Parses 72 hex digits, with or without a `0x` prefix.
    public init(hex: some StringProtocol) throws(QueryError) {
        guard let bytes = try? Hex.decode(hex) else { throw .invalidKeyHex(String(hex)) }
        try self.init(bytes: bytes)
    }

    /// The 36 wire bytes.
    public var bytes: [UInt8] { withBytes { Array($0) } }

    /// Runs `body` on the 36 wire bytes, from the stack.
    @inlinable
    public func withBytes<T>(_ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        var words = wireWords
        return try withUnsafeBytes(of: &words) { raw in
            try raw.withMemoryRebound(to: UInt8.self) { try body($0) }
        }
    }

    /// The 36 wire bytes as nine big-endian 32-bit words: a stack value with no padding.
    @inlinable
    public var wireWords: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) {
        func halves(_ word: UInt64) -> (UInt32, UInt32) {
            (UInt32(truncatingIfNeeded: word >> 32).bigEndian, UInt32(truncatingIfNeeded: word).bigEndian)
        }
        let (a, b, c, d) = (halves(hash.w0), halves(hash.w1), halves(hash.w2), halves(hash.w3))
        return (sent.bigEndian, a.0, a.1, b.0, b.1, c.0, c.1, d.0, d.1)
    }

    /// "0x" followed by 72 lowercase hex digits.
    public var description: String { Hex.encode(bytes, prefix: true) }

    /// The smallest key with this sent time.
    public static func first(sent: UInt32) -> EnvelopeKey { EnvelopeKey(sent: sent, hash: .zero) }

    /// The largest key with this sent time.
    public static func last(sent: UInt32) -> EnvelopeKey {
        EnvelopeKey(sent: sent, hash: Hash256(w0: .max, w1: .max, w2: .max, w3: .max))
    }

    /// The next key in order, `nil` after the largest key of all.
    public var successor: EnvelopeKey? {
        if hash == EnvelopeKey.last(sent: sent).hash {
            return sent < .max ? EnvelopeKey.first(sent: sent + 1) : nil
        }
        var h = hash
        var carry = true
        (h.w3, carry) = h.w3.addingReportingOverflow(1)
        if carry { (h.w2, carry) = h.w2.addingReportingOverflow(1) }
        if carry { (h.w1, carry) = h.w1.addingReportingOverflow(1) }
        if carry { (h.w0, _) = h.w0.addingReportingOverflow(1) }
        return EnvelopeKey(sent: sent, hash: h)
    }

    @inlinable
    public static func < (lhs: EnvelopeKey, rhs: EnvelopeKey) -> Bool {
        (lhs.sent, lhs.hash) < (rhs.sent, rhs.hash)
    }

    @inlinable
    public static func == (lhs: EnvelopeKey, rhs: EnvelopeKey) -> Bool {
        lhs.sent == rhs.sent && lhs.hash == rhs.hash
    }
}
