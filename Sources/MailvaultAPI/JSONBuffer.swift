/// JSON written straight into bytes, in the order fields are appended.
///
/// The API's answers are mostly hex (envelope data, hashes, topics), so the writer's one trick is
/// a table that turns each byte into its two hex digits at once. Callers are responsible for the
/// structure (commas, braces); the writer guarantees that strings are escaped and numbers valid.
public struct JSONBuffer: Sendable {
    /// What has been written so far.
    public private(set) var bytes: [UInt8]

    /// An empty buffer with room for `capacity` bytes.
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends ASCII text as it is (punctuation and keys the caller knows need no escaping).
    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends bytes as they are.
    public mutating func raw<C: Collection<UInt8>>(bytes other: C) {
        bytes.append(contentsOf: other)
    }

    /// Appends a quoted, escaped JSON string.
    public mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { string(utf8: $0) }
    }

    /// Appends UTF-8 bytes as a quoted, escaped JSON string. Runs of bytes that need no escape
    /// are copied whole.
    public mutating func string(utf8 source: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var copied = 0
        for index in source.indices {
            let byte = source[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            bytes.append(contentsOf: source[copied..<index])
            copied = index + 1
            bytes.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): bytes.append(UInt8(ascii: "r"))
            case UInt8(ascii: "\t"): bytes.append(UInt8(ascii: "t"))
            case 0..<0x20:
                raw("u00")
                bytes.append(JSONBuffer.digits[Int(byte >> 4)])
                bytes.append(JSONBuffer.digits[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(contentsOf: source[copied...])
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends `"0x…"`: the bytes as quoted lowercase hex with the `0x` prefix.
    public mutating func hex<C: Collection<UInt8>>(_ data: C) {
        let start = bytes.count
        let length = 4 + 2 * data.count
        bytes.append(contentsOf: repeatElement(0, count: length))
        bytes.withUnsafeMutableBufferPointer { buffer in
            let out = UnsafeMutableRawPointer(buffer.baseAddress! + start)
            out.storeBytes(of: UInt8(ascii: "\""), as: UInt8.self)
            out.storeBytes(of: UInt8(ascii: "0"), toByteOffset: 1, as: UInt8.self)
            out.storeBytes(of: UInt8(ascii: "x"), toByteOffset: 2, as: UInt8.self)
            let written: Void? = data.withContiguousStorageIfAvailable { source in
                JSONBuffer.writeHex(source, to: out + 3)
            }
            if written == nil { Array(data).withUnsafeBufferPointer { JSONBuffer.writeHex($0, to: out + 3) } }
            out.storeBytes(of: UInt8(ascii: "\""), toByteOffset: length - 1, as: UInt8.self)
        }
    }

    /// Appends an unsigned integer.
    public mutating func number<T: UnsignedInteger & FixedWidthInteger>(_ value: T) {
        var value = UInt64(value)
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { scratch in
            var index = scratch.count
            repeat {
                index -= 1
                scratch[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            } while value > 0
            bytes.append(contentsOf: scratch[index...])
        }
    }

    /// Appends a signed integer.
    public mutating func number(_ value: Int) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        number(value.magnitude)
    }

    /// Appends a floating-point number that parses back to the same `Double`; `null` when it is
    /// not finite (JSON has no infinities).
    public mutating func number(_ value: Double) {
        guard value.isFinite else { return raw("null") }
        bytes.append(contentsOf: "\(value)".utf8)
    }

    /// Appends `true` or `false`.
    public mutating func bool(_ value: Bool) {
        value ? raw("true") : raw("false")
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Writes `source` as hex at `out`. Branch-free arithmetic on unsafe pointers, so that the
    /// optimizer vectorizes the loop (a table lookup per byte would not vectorize).
    private static func writeHex(_ source: UnsafeBufferPointer<UInt8>, to out: UnsafeMutableRawPointer) {
        guard let input = source.baseAddress else { return }
        let output = out.assumingMemoryBound(to: UInt8.self)
        for index in 0..<source.count {
            let byte = input[index]
            output[2 &* index] = digit(byte &>> 4)
            output[2 &* index &+ 1] = digit(byte & 0x0F)
        }
    }

    /// A nibble (0...15) as its lowercase hex digit: "0" is 0x30, and digits above 9 move on by
    /// "a" - ("9" + 1) = 39.
    @inline(__always)
    private static func digit(_ nibble: UInt8) -> UInt8 {
        nibble &+ 0x30 &+ (nibble > 9 ? 39 : 0)
    }
}
