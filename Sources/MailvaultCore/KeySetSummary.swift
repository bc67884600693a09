/// The size of a set of envelope keys and the sum of their hashes, each hash read as a 256-bit
/// little-endian integer, modulo 2^256.
///
/// It is what a Negentropy fingerprint is made of (Docs/Sync.md), and it is additive: the summary
/// of a union of disjoint sets is the sum of their summaries, and removing a key subtracts it.
/// The store keeps one per bucket of sent time, so a range's summary costs a few bucket reads.
public struct KeySetSummary: Hashable, Sendable {
    /// How many keys the set holds.
    public var count: UInt64
    /// The sum's four 64-bit limbs, least significant first.
    public var l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64

    /// The summary of the empty set.
    public static let empty = KeySetSummary(count: 0, l0: 0, l1: 0, l2: 0, l3: 0)

    /// A summary from its count and limbs.
    @inlinable
    public init(count: UInt64, l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64) {
        self.count = count
        (self.l0, self.l1, self.l2, self.l3) = (l0, l1, l2, l3)
    }

    /// The summary of a set of one hash.
    @inlinable
    public init(_ hash: Hash256) {
        // Little-endian limb i is bytes 8i..<8i+8 read little-endian: the big-endian word, swapped.
        self.init(count: 1, l0: hash.w0.byteSwapped, l1: hash.w1.byteSwapped,
                  l2: hash.w2.byteSwapped, l3: hash.w3.byteSwapped)
    }

    /// Adds another set's summary (the sets must be disjoint).
    @inlinable
    public mutating func add(_ other: KeySetSummary) {
        count &+= other.count
        var carry: Bool
        (l0, carry) = l0.addingReportingOverflow(other.l0)
        (l1, carry) = KeySetSummary.add(l1, other.l1, carry)
        (l2, carry) = KeySetSummary.add(l2, other.l2, carry)
        (l3, _) = KeySetSummary.add(l3, other.l3, carry)
    }

    /// Removes a subset's summary.
    @inlinable
    public mutating func subtract(_ other: KeySetSummary) {
        count &-= other.count
        var borrow: Bool
        (l0, borrow) = l0.subtractingReportingOverflow(other.l0)
        (l1, borrow) = KeySetSummary.subtract(l1, other.l1, borrow)
        (l2, borrow) = KeySetSummary.subtract(l2, other.l2, borrow)
        (l3, _) = KeySetSummary.subtract(l3, other.l3, borrow)
    }

    /// Adds one hash.
    @inlinable
    public mutating func add(_ hash: Hash256) { add(KeySetSummary(hash)) }

    /// Removes one hash.
    @inlinable
    public mutating func subtract(_ hash: Hash256) { subtract(KeySetSummary(hash)) }

    /// The sum as 32 little-endian bytes (Negentropy's fingerprint input before the count).
    public var sumBytes: [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        for limb in [l0, l1, l2, l3] {
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: limb >> shift)) }
        }
        return bytes
    }

    /// The stored form: BE64(count) ++ the sum's 32 little-endian bytes, 40 bytes.
    public var storedBytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: count >> (56 - 8 * $0)) } + sumBytes
    }

    /// Reads the stored form; `nil` unless exactly 40 bytes.
    public init?<C: Collection<UInt8>>(storedBytes: C) {
        guard storedBytes.count == 40 else { return nil }
        let bytes = Array(storedBytes)
        func littleEndian(_ at: Int) -> UInt64 {
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * $1) }
        }
        let count = (0..<8).reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[$1]) }
        self.init(count: count, l0: littleEndian(8), l1: littleEndian(16), l2: littleEndian(24), l3: littleEndian(32))
    }

    @inlinable
    static func add(_ a: UInt64, _ b: UInt64, _ carry: Bool) -> (UInt64, Bool) {
        let (s1, o1) = a.addingReportingOverflow(b)
        let (s2, o2) = s1.addingReportingOverflow(carry ? 1 : 0)
        return (s2, o1 || o2)
    }

    @inlinable
    static func subtract(_ a: UInt64, _ b: UInt64, _ borrow: Bool) -> (UInt64, Bool) {
        let (d1, o1) = a.subtractingReportingOverflow(b)
        let (d2, o2) = d1.subtractingReportingOverflow(borrow ? 1 : 0)
        return (d2, o1 || o2)
    }
}
