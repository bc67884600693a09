import MailvaultCore

/// A value in the Ethereum contract ABI's encoding (the Solidity ABI specification, "Formal
/// Specification of the Encoding"), enough to write a call to the Mailvault contracts.
///
/// Static values take one 32-byte word (or several, for a static tuple) in place; dynamic ones
/// (`bytes`, `string`, dynamic arrays, tuples holding any of them) put an offset in place and
/// their content after all the heads of the enclosing tuple.
public indirect enum ABIValue: Sendable, Equatable {
    /// `uintN`: a big-endian unsigned integer of at most 32 bytes, left-padded.
    case uint([UInt8])
    /// `address`: 20 bytes, left-padded.
    case address([UInt8])
    /// `bool`.
    case bool(Bool)
    /// `bytesN` (1 to 32 bytes), right-padded.
    case fixedBytes([UInt8])
    /// `bytes`: a length word, then the bytes right-padded to whole words.
    case bytes([UInt8])
    /// `string`: encoded as its UTF-8 `bytes`.
    case string(String)
    /// `T[]`: a length word, then the elements encoded as a tuple.
    case array([ABIValue])
    /// `(T1, T2, …)`, and `T[k]` (encoded the same way).
    case tuple([ABIValue])

    /// `uintN` from an integer.
    public static func integer<T: FixedWidthInteger & UnsignedInteger>(_ value: T) -> ABIValue {
        .uint(withUnsafeBytes(of: value.bigEndian) { Array($0) })
    }

    /// Whether the value is dynamic (encoded in the tail, behind an offset).
    public var isDynamic: Bool {
        switch self {
        case .uint, .address, .bool, .fixedBytes: false
        case .bytes, .string, .array: true
        case .tuple(let items): items.contains { $0.isDynamic }
        }
    }

    /// The standard encoding of this value (for a tuple: heads, then tails).
    public var encoded: [UInt8] {
        switch self {
        case .uint(let bytes), .address(let bytes):
            return ABIValue.leftPadded(bytes)
        case .bool(let value):
            return ABIValue.leftPadded([value ? 1 : 0])
        case .fixedBytes(let bytes):
            return ABIValue.rightPadded(bytes)
        case .bytes(let bytes):
            return ABIValue.word(bytes.count) + ABIValue.rightPadded(bytes)
        case .string(let text):
            return ABIValue.bytes(Array(text.utf8)).encoded
        case .array(let items):
            return ABIValue.word(items.count) + ABIValue.tuple(items).encoded
        case .tuple(let items):
            let headSize = items.reduce(0) { $0 + ($1.isDynamic ? 32 : $1.encoded.count) }
            var heads: [UInt8] = []
            var tails: [UInt8] = []
            for item in items {
                if item.isDynamic {
                    heads += ABIValue.word(headSize + tails.count)
                    tails += item.encoded
                } else {
                    heads += item.encoded
                }
            }
            return heads + tails
        }
    }

    /// A call's data: the function's 4-byte selector, keccak256 of its canonical signature
    /// (`name(type1,type2,…)`), then its arguments encoded as one tuple.
    public static func call(_ signature: String, _ arguments: [ABIValue]) -> [UInt8] {
        Array(Keccak256.hash(Array(signature.utf8)).bytes.prefix(4)) + ABIValue.tuple(arguments).encoded
    }

    private static func word(_ value: Int) -> [UInt8] {
        ABIValue.integer(UInt64(value)).encoded
    }

    private static func leftPadded(_ bytes: [UInt8]) -> [UInt8] {
        // Leading zeros beyond 32 bytes never occur: every constructor gives at most 32.
        [UInt8](repeating: 0, count: max(0, 32 - bytes.count)) + bytes.suffix(32)
    }

    private static func rightPadded(_ bytes: [UInt8]) -> [UInt8] {
        bytes + [UInt8](repeating: 0, count: (32 - bytes.count % 32) % 32)
    }
}
