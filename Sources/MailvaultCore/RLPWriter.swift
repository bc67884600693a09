/// Builds canonical RLP: minimal integers, short forms wherever they fit.
public struct RLPWriter: Sendable {
    /// The encoding so far.
    public private(set) var bytes: [UInt8]

    /// An empty writer with room for `capacity` bytes.
    public init(reservingCapacity capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends a byte string.
    public mutating func append<C: Collection<UInt8>>(string: C) {
        if string.count == 1, let byte = string.first, byte < 0x80 {
            bytes.append(byte)
            return
        }
        RLPWriter.appendHeader(to: &bytes, payloadLength: string.count, shortBase: 0x80)
        bytes.append(contentsOf: string)
    }

    /// Appends an unsigned integer as its minimal big-endian bytes (zero is the empty string).
    public mutating func append<T: FixedWidthInteger & UnsignedInteger>(uint value: T) {
        if value == 0 {
            bytes.append(0x80)
        } else if value < 0x80 {
            bytes.append(UInt8(value))
        } else {
            let length = (T.bitWidth - value.leadingZeroBitCount + 7) / 8
            bytes.append(0x80 + UInt8(length))
            for index in stride(from: length - 1, through: 0, by: -1) {
                bytes.append(UInt8(truncatingIfNeeded: value >> (index * 8)))
            }
        }
    }

    /// Appends a list whose items `body` writes. The header is inserted once the payload's
    /// length is known.
    public mutating func appendList(_ body: (inout RLPWriter) throws -> Void) rethrows {
        var inner = RLPWriter()
        try body(&inner)
        RLPWriter.appendHeader(to: &bytes, payloadLength: inner.bytes.count, shortBase: 0xC0)
        bytes.append(contentsOf: inner.bytes)
    }

    /// Appends bytes that are already one RLP value.
    public mutating func append(encoded: some Collection<UInt8>) {
        bytes.append(contentsOf: encoded)
    }

    /// Appends a header: `shortBase` is 0x80 for strings, 0xC0 for lists.
    static func appendHeader(to bytes: inout [UInt8], payloadLength: Int, shortBase: UInt8) {
        if payloadLength < 56 {
            bytes.append(shortBase + UInt8(payloadLength))
            return
        }
        let lengthOfLength = (Int.bitWidth - payloadLength.leadingZeroBitCount + 7) / 8
        bytes.append(shortBase + 55 + UInt8(lengthOfLength))
        for index in stride(from: lengthOfLength - 1, through: 0, by: -1) {
            bytes.append(UInt8(truncatingIfNeeded: payloadLength >> (index * 8)))
        }
    }

    /// The header of a list whose items take `payloadLength` bytes (for writers that emit the
    /// items themselves, straight into their own buffer).
    public static func listHeader(payloadLength: Int) -> [UInt8] {
        var header: [UInt8] = []
        header.reserveCapacity(9)
        appendHeader(to: &header, payloadLength: payloadLength, shortBase: 0xC0)
        return header
    }

    /// The length of the header for a payload of `payloadLength` bytes.
    public static func headerLength(payloadLength: Int) -> Int {
        payloadLength < 56 ? 1 : 1 + (Int.bitWidth - payloadLength.leadingZeroBitCount + 7) / 8
    }

    /// The encoded length of an unsigned integer.
    public static func encodedLength<T: FixedWidthInteger & UnsignedInteger>(uint value: T) -> Int {
        value < 0x80 ? 1 : 1 + (T.bitWidth - value.leadingZeroBitCount + 7) / 8
    }

    /// The encoded length of a byte string.
    public static func encodedLength<C: Collection<UInt8>>(string: C) -> Int {
        if string.count == 1, let byte = string.first, byte < 0x80 { return 1 }
        return headerLength(payloadLength: string.count) + string.count
    }
}
