/// Negentropy's varint: an unsigned integer in base-128 digits, most significant digit first,
/// the high bit set on every byte but the last, as few digits as possible
/// (docs/negentropy-protocol-v1.md, "Varint").
public enum Varint {
    /// Why a varint could not be read.
    public enum Failure: Error, Equatable, Sendable {
        /// The input ended before a byte with the high bit clear.
        case truncated
        /// The value does not fit in 64 bits.
        case overflow
        /// The encoding starts with a zero digit (the spec asks for as few digits as possible).
        case nonMinimal
    }

    /// The encoding of `value`.
    public static func encode(_ value: UInt64) -> [UInt8] {
        var bytes = [UInt8]()
        append(value, to: &bytes)
        return bytes
    }

    /// Appends the encoding of `value` to `bytes`.
    public static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var digits = 1
        while digits < 10 && value >> UInt64(7 * digits) != 0 { digits += 1 }
        for digit in stride(from: digits - 1, through: 0, by: -1) {
            let group = UInt8(truncatingIfNeeded: value >> UInt64(7 * digit)) & 0x7F
            bytes.append(digit == 0 ? group : group | 0x80)
        }
    }

    /// Reads a varint from `bytes` at `offset` and moves `offset` past it.
    public static func decode(_ bytes: [UInt8], at offset: inout Int) throws(Failure) -> UInt64 {
        var value: UInt64 = 0
        var position = offset
        while true {
            guard position < bytes.count else { throw .truncated }
            let byte = bytes[position]
            if position == offset && byte == 0x80 { throw .nonMinimal }
            // Another digit must not push bits out of the top: the value so far fits in 57 bits.
            guard value >> 57 == 0 else { throw .overflow }
            value = value << 7 | UInt64(byte & 0x7F)
            position += 1
            if byte & 0x80 == 0 { break }
        }
        offset = position
        return value
    }
}
