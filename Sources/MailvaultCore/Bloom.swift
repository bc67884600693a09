/// A 64-byte topic bloom filter (Whisper v6, EIP-627).
///
/// Held as eight 64-bit words so that matching and union are a handful of SIMD operations.
/// Byte `i` of the wire form is bits `8 * (i % 8) ..< 8 * (i % 8) + 8` of word `i / 8`.
public struct Bloom: Hashable, Sendable, CustomStringConvertible {
    /// The wire size of a bloom.
    public static let byteCount = 64

    @usableFromInline var words: SIMD8<UInt64>

    @inlinable
    init(words: SIMD8<UInt64>) {
        self.words = words
    }

    /// The empty filter (no bits set).
    public static let empty = Bloom(words: .zero)

    /// The all-ones filter: a "full node" that matches every envelope.
    public static let full = Bloom(words: SIMD8(repeating: .max))

    /// A topic's bloom, with go-ethereum's `TopicToBloom` behaviour.
    ///
    /// For j in 0...2 the bit index is `topic[j]`, plus 256 when bit j of `topic[3]` is set.
    /// Each index's byte is *assigned* `1 << (index % 8)`, not OR-ed, so when two indices share
    /// a byte only the later one survives. go-ethereum and status-go compute it this way, and a
    /// bloom that differs from theirs would not match their filters.
    @inlinable
    public init(topic: Topic) {
        var words = SIMD8<UInt64>.zero
        for j in 0..<3 {
            let index = Bloom.index(j, of: topic)
            let byte = index >> 3
            let shift = UInt64((byte & 7) << 3)
            let bit = UInt64(1) << UInt64(index & 7)
            words[byte >> 3] = words[byte >> 3] & ~(0xFF << shift) | bit << shift
        }
        self.init(words: words)
    }

    /// Bit index `j` (0...2) of `topic`'s bloom: `topic[j]`, plus 256 when bit j of `topic[3]`
    /// is set.
    @inlinable
    static func index(_ j: Int, of topic: Topic) -> Int {
        Int(topic[j]) + (topic[3] & (1 << UInt8(j)) != 0 ? 256 : 0)
    }

    /// The index (0..<512) of the last bit `Bloom(topic:)` writes for `topic`. Being written
    /// last, it is set in the topic's bloom whatever the other two indices are (an earlier one
    /// that shares its byte is overwritten), so a filter that accepts the topic has it set.
    @inlinable
    public static func lastIndex(of topic: Topic) -> Int { index(2, of: topic) }

    /// Whether bit `index` (0..<512) is set: bit `index % 8` of wire byte `index / 8`.
    @inlinable
    public func contains(bit index: Int) -> Bool {
        words[index >> 6] >> UInt64(index & 63) & 1 != 0
    }

    /// The indices of the set bits, ascending.
    public var setBits: [Int] {
        var indices: [Int] = []
        for word in 0..<8 {
            var bits = words[word]
            while bits != 0 {
                indices.append(word << 6 + bits.trailingZeroBitCount)
                bits &= bits - 1
            }
        }
        return indices
    }

    /// The union of the topics' blooms: the filter of a node interested in exactly these topics.
    public init<S: Sequence<Topic>>(topics: S) {
        self = topics.reduce(Bloom.empty) { $0.union($1.bloom) }
    }

    /// A bloom from exactly 64 bytes; `nil` for any other length.
    @inlinable
    public init?<C: Collection<UInt8>>(bytes: C) {
        guard bytes.count == Bloom.byteCount else { return nil }
        var words = SIMD8<UInt64>.zero
        for (index, byte) in bytes.enumerated() {
            words[index >> 3] |= UInt64(byte) << UInt64((index & 7) << 3)
        }
        self.init(words: words)
    }

    /// Parses 128 hex digits, with or without `0x`.
    public init(hex: String) throws(HexError) {
        let bytes = try Hex.decode(hex)
        guard let bloom = Bloom(bytes: bytes) else {
            throw .wrongLength(expected: Bloom.byteCount, actual: bytes.count)
        }
        self = bloom
    }

    /// The 64 wire bytes.
    public var bytes: [UInt8] {
        (0..<Bloom.byteCount).map { UInt8(truncatingIfNeeded: words[$0 >> 3] >> UInt64(($0 & 7) << 3)) }
    }

    /// True when this filter accepts `sample`: every bit of the sample is set in the filter
    /// (go-ethereum's `BloomFilterMatch`, `(f | s) == f` byte by byte).
    @inlinable
    public func matches(_ sample: Bloom) -> Bool {
        all((words | sample.words) .== words)
    }

    /// True for the all-ones filter, which go-ethereum treats as a full node.
    @inlinable
    public var isFull: Bool { all(words .== SIMD8(repeating: .max)) }

    /// The bitwise OR of two filters.
    @inlinable
    public func union(_ other: Bloom) -> Bloom { Bloom(words: words | other.words) }

    /// Adds `other`'s bits to this filter.
    @inlinable
    public mutating func formUnion(_ other: Bloom) { words |= other.words }

    /// "0x" followed by 128 lowercase hex digits.
    public var description: String { Hex.encode(bytes, prefix: true) }
}

extension Optional where Wrapped == Bloom {
    /// Matching against an optional filter: `nil` is a node without a filter, which (like
    /// go-ethereum's nil filter) accepts everything.
    @inlinable
    public func matches(_ sample: Bloom) -> Bool {
        switch self {
        case .none: true
        case .some(let filter): filter.matches(sample)
        }
    }
}
