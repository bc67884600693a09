/// JSON written straight into bytes, in the order fields are appended.
///
/// The API's answers are mostly hex (envelope data, hashes, topics) and short keys. The writer
/// keeps its own write position in storage it grows by doubling, so each piece is one bounds
/// check and one copy, and hex is written by a loop the optimizer vectorizes. Callers are
/// responsible for the structure (commas, braces); the writer guarantees that strings are escaped
/// and numbers valid.
public struct JSONBuffer: Sendable {
    /// The first `count` bytes are what has been written; the rest is room.
    private var storage: [UInt8]
    private var count = 0

    /// What has been written so far. Reading it drops the spare room (nothing is copied).
    public var bytes: [UInt8] {
        mutating get {
            storage.removeSubrange(count...)
            return storage
        }
    }

    /// An empty buffer with room for `capacity` bytes.
    public init(capacity: Int = 256) {
        storage = [UInt8](repeating: 0, count: max(capacity, 64))
    }

    /// Appends ASCII text as it is (punctuation and keys the caller knows need no escaping).
    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { copy(UnsafeRawBufferPointer($0)) }
    }

    /// Appends bytes as they are.
    public mutating func raw<C: Collection<UInt8>>(bytes other: C) {
        let done: Void? = other.withContiguousStorageIfAvailable { copy(UnsafeRawBufferPointer($0)) }
        if done == nil { Array(other).withUnsafeBytes { copy($0) } }
    }

    /// `text` as a quoted, escaped JSON string: the one escaper of every JSON the package writes.
    public static func quoted(_ text: String) -> String {
        var out = JSONBuffer(capacity: text.utf8.count + 8)
        out.string(text)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// Appends a quoted, escaped JSON string.
    public mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { string(utf8: $0) }
    }

    /// Appends UTF-8 bytes as a quoted, escaped JSON string. Runs of bytes that need no escape
    /// are copied whole.
    public mutating func string(utf8 source: UnsafeBufferPointer<UInt8>) {
        byte(UInt8(ascii: "\""))
        var copied = 0
        for index in source.indices {
            let character = source[index]
            guard character < 0x20 || character == UInt8(ascii: "\"") || character == UInt8(ascii: "\\") else { continue }
            copy(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: source[copied..<index])))
            copied = index + 1
            byte(UInt8(ascii: "\\"))
            switch character {
            case UInt8(ascii: "\n"): byte(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): byte(UInt8(ascii: "r"))
            case UInt8(ascii: "\t"): byte(UInt8(ascii: "t"))
            case 0..<0x20:
                raw("u00")
                byte(JSONBuffer.digit(character >> 4))
                byte(JSONBuffer.digit(character & 0xF))
            default: byte(character)
            }
        }
        copy(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: source[copied...])))
        byte(UInt8(ascii: "\""))
    }

    /// Appends `"0x…"`: the bytes as quoted lowercase hex with the `0x` prefix.
    public mutating func hex<C: Collection<UInt8>>(_ data: C) {
        let done: Void? = data.withContiguousStorageIfAvailable { hex($0) }
        if done == nil { Array(data).withUnsafeBufferPointer { hex($0) } }
    }

    private mutating func hex(_ source: UnsafeBufferPointer<UInt8>) {
        let length = 4 + 2 * source.count
        write(length) { out in
            out[0] = UInt8(ascii: "\"")
            out[1] = UInt8(ascii: "0")
            out[2] = UInt8(ascii: "x")
            JSONBuffer.writeHex(source, to: out + 3)
            out[length - 1] = UInt8(ascii: "\"")
        }
    }

    /// Appends an unsigned integer.
    public mutating func number<T: UnsignedInteger & FixedWidthInteger>(_ value: T) {
        var value = UInt64(value)
        // The digits, last first, into the 20 bytes a UInt64 can need.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { scratch in
            var index = 20
            repeat {
                index -= 1
                scratch[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10)
                value /= 10
            } while value > 0
            copy(UnsafeRawBufferPointer(rebasing: scratch[index..<20]))
        }
    }

    /// Appends a signed integer.
    public mutating func number(_ value: Int) {
        if value < 0 { byte(UInt8(ascii: "-")) }
        number(value.magnitude)
    }

    /// Appends a floating-point number that parses back to the same `Double`; `null` when it is
    /// not finite (JSON has no infinities).
    public mutating func number(_ value: Double) {
        guard value.isFinite else { return raw("null") }
        raw(bytes: "\(value)".utf8)
    }

    /// Appends `true` or `false`.
    public mutating func bool(_ value: Bool) {
        value ? raw("true") : raw("false")
    }

    // MARK: Writing

    /// Runs `body` on room for exactly `length` more bytes at the end, which it must fill.
    @inline(__always)
    private mutating func write(_ length: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Void) {
        if length > storage.count - count { grow(toHold: count + length) }
        let start = count
        storage.withUnsafeMutableBufferPointer { body($0.baseAddress! + start) }
        count += length
    }

    @inline(__always)
    private mutating func copy(_ source: UnsafeRawBufferPointer) {
        guard let base = source.baseAddress, source.count > 0 else { return }
        write(source.count) { $0.update(from: base.assumingMemoryBound(to: UInt8.self), count: source.count) }
    }

    @inline(__always)
    private mutating func byte(_ value: UInt8) {
        write(1) { $0.pointee = value }
    }

    private mutating func grow(toHold needed: Int) {
        storage.append(contentsOf: repeatElement(0, count: max(needed, 2 * storage.count) - storage.count))
    }

    // MARK: Hex

    /// Writes `source` as hex at `output`. Branch-free arithmetic on unsafe pointers, so that the
    /// optimizer vectorizes the loop (a table lookup per byte would not vectorize).
    private static func writeHex(_ source: UnsafeBufferPointer<UInt8>, to output: UnsafeMutablePointer<UInt8>) {
        guard let input = source.baseAddress else { return }
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
