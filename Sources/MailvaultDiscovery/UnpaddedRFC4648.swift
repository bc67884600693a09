/// The bit packing RFC 4648's alphabets share, without padding: `width` bits a symbol, most
/// significant first, the last symbol's spare bits zero. `Base32` and `Base64URL` are it with
/// their alphabets.
enum UnpaddedRFC4648 {
    static func encode(_ bytes: some Collection<UInt8>, width: Int, alphabet: [UInt8]) -> String {
        let mask = UInt32(1 << width - 1)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 8 + width - 1) / width)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in bytes {
            accumulator = accumulator << 8 | UInt32(byte)
            bits += 8
            while bits >= width {
                bits -= width
                out.append(alphabet[Int(accumulator >> UInt32(bits) & mask)])
            }
            accumulator &= (1 << UInt32(bits)) - 1
        }
        if bits > 0 { out.append(alphabet[Int(accumulator << UInt32(width - bits) & mask)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of `input`, or `nil` for a symbol `value` does not know or non-zero bits after
    /// the last byte (so each byte string has exactly one accepted text). The caller checks the
    /// length.
    static func decode(_ input: [UInt8], width: Int, value: (UInt8) -> UInt8?) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(input.count * width / 8)
        var accumulator: UInt32 = 0
        var bits = 0
        for character in input {
            guard let symbol = value(character) else { return nil }
            accumulator = accumulator << UInt32(width) | UInt32(symbol)
            bits += width
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        guard accumulator == 0 else { return nil }
        return out
    }
}
