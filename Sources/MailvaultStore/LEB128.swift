/// Unsigned LEB128 integers (7 bits a byte, low bits first, the high bit set on every byte but
/// the last) of at most 35 bits: record heads and the deltas of packed index runs.
enum LEB128 {
    /// The most bytes a value takes: 5 (35 bits).
    static let maximumBytes = 5

    static func append(_ value: UInt64, to out: inout [UInt8]) {
        var rest = value
        repeat {
            let low = UInt8(rest & 0x7F)
            rest >>= 7
            out.append(rest == 0 ? low : low | 0x80)
        } while rest != 0
    }

    /// The value at `offset` of `bytes`, advancing `offset` past it; `nil` when it runs past the
    /// end or over `maximumBytes`.
    @inline(__always)
    static func read(_ bytes: UnsafeRawBufferPointer, at offset: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 7 * UInt64(maximumBytes) {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }

    /// ZigZag: a signed difference as an unsigned value, small magnitudes small.
    static func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: value << 1 ^ value >> 63) }

    static func unzigzag(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }
}
