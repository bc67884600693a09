/// Why a hex string was refused.
public enum HexError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An odd number of hex digits.
    case oddLength
    /// A character that is not a hex digit, at this offset (after any `0x`).
    case invalidCharacter(offset: Int)
    /// Well-formed hex of the wrong byte length for what it encodes.
    case wrongLength(expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .oddLength: "hex has an odd number of digits"
        case .invalidCharacter(let offset): "invalid hex digit at offset \(offset)"
        case .wrongLength(let expected, let actual): "expected \(expected) bytes of hex, got \(actual)"
        }
    }
}

/// Hex encoding as the protocol's JSON and CLI use it: lowercase out, `0x` optional in.
public enum Hex {
    /// Decodes hex digits (either case), with or without a leading `0x`/`0X`.
    public static func decode(_ text: some StringProtocol) throws(HexError) -> [UInt8] {
        var utf8 = Substring(text).utf8[...]
        if utf8.count >= 2, utf8.first == UInt8(ascii: "0"),
           let x = utf8.dropFirst().first, x == UInt8(ascii: "x") || x == UInt8(ascii: "X") {
            utf8 = utf8.dropFirst(2)
        }
        guard utf8.count % 2 == 0 else { throw .oddLength }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var high: UInt8 = 0
        for (offset, char) in utf8.enumerated() {
            guard let nibble = nibble(char) else { throw .invalidCharacter(offset: offset) }
            if offset % 2 == 0 {
                high = nibble << 4
            } else {
                out.append(high | nibble)
            }
        }
        return out
    }

    /// Lowercase hex of `bytes`, prefixed with `0x` when `prefix` is true.
    public static func encode<C: Collection<UInt8>>(_ bytes: C, prefix: Bool = false) -> String {
        let start = prefix ? 2 : 0
        let count = start + 2 * bytes.count
        // Written straight into the string's storage: no table, no intermediate array.
        return String(unsafeUninitializedCapacity: count) { out in
            if prefix {
                out[0] = UInt8(ascii: "0")
                out[1] = UInt8(ascii: "x")
            }
            var index = start
            for byte in bytes {
                out[index] = digit(byte >> 4)
                out[index + 1] = digit(byte & 0x0F)
                index += 2
            }
            return count
        }
    }

    /// The lowercase hex digit of a nibble.
    @inline(__always)
    private static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
    }

    private static func nibble(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): char - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
