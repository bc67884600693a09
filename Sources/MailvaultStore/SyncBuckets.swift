import CLMDB
import MailvaultCore

/// The layout of `syncBuckets`: the `KeySetSummary` of the stored keys of every non-empty
/// bucket of sent time, at three widths, so that a range's count and hash sum cost a few hundred
/// entry reads instead of a scan (Negentropy's fingerprints; Docs/Storage.md, "Sync buckets").
///
/// A key is `level u8 ++ BE32(sent >> shifts[level])`, 5 bytes; its value is the summary's
/// 40-byte stored form. Level 0 is 64 s wide; each coarser level is 64 of the one below
/// (4096 s, then 262,144 s, about three days), so a month is about 10 level-2 entries and at
/// most 63 of each finer level at either end. Empty buckets have no entry.
enum SyncBuckets {
    /// Bucket widths as shifts of the sent time, finest first: 64 s, 4096 s and 262,144 s.
    static let shifts = [6, 12, 18]
    /// The levels a reader uses unless told otherwise (all of them).
    static var levels: Int { shifts.count }
    /// The size of a key: the level and a big-endian bucket number.
    static let keyByteCount = 5
    /// The size of a value: `KeySetSummary.storedBytes`.
    static let valueByteCount = 40

    /// The key of bucket `number` of `level`.
    static func key(level: Int, number: UInt32) -> [UInt8] {
        [UInt8(level)] + BigEndian.bytes(number)
    }

    /// The bucket of `level` that holds sent time `sent`.
    @inline(__always)
    static func number(of sent: UInt32, level: Int) -> UInt32 {
        sent >> UInt32(shifts[level])
    }

    /// The first second of bucket `number` of `level`, as a 64-bit time (2^32 is past the end).
    @inline(__always)
    static func start(of number: UInt64, level: Int) -> UInt64 {
        number << UInt64(shifts[level])
    }

    /// The smallest key at time `second`; `nil` at 2^32, past every key.
    static func edge(_ second: UInt64) -> EnvelopeKey? {
        second <= UInt64(UInt32.max) ? EnvelopeKey.first(sent: UInt32(second)) : nil
    }
}

extension KeySetSummary {
    /// Reads the 40-byte stored form in place (`BE64(count) ++` the sum's 32 little-endian bytes).
    init(raw: UnsafeRawBufferPointer) {
        func littleEndian(_ at: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        self.init(count: BigEndian.uint64(raw), l0: littleEndian(8), l1: littleEndian(16), l2: littleEndian(24),
                  l3: littleEndian(32))
    }

    /// Whether this is the summary of no key: a zero count with a zero sum.
    var isEmpty: Bool { count == 0 && l0 == 0 && l1 == 0 && l2 == 0 && l3 == 0 }
}
