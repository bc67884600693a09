/// Recursive Length Prefix (Ethereum yellow paper, appendix B): the zero-copy, strict reader.
///
/// Every function returns slices of its input (`ArraySlice` shares the array's storage), so
/// walking a messages packet copies nothing. Every non-canonical form is refused with a named
/// `RLPError`, as go-ethereum's decoder refuses it; a length prefix is only ever compared with
/// the bytes actually present, so no header can make the reader allocate.
public enum RLP {
    /// What a value's header says it is. A single byte below 0x80 is a string of length one.
    public enum Kind: Sendable, Equatable {
        case string
        case list
    }

    /// Splits the first value off `input`: its kind, its content (the payload after the header)
    /// and the bytes after it.
    @inlinable
    public static func split(
        _ input: ArraySlice<UInt8>
    ) throws(RLPError) -> (kind: Kind, content: ArraySlice<UInt8>, rest: ArraySlice<UInt8>) {
        let start = input.startIndex
        guard start < input.endIndex else { throw .lengthBeyondInput }
        let prefix = input[start]
        let kind: Kind
        let headerLength: Int
        let contentLength: Int
        switch prefix {
        case 0x00...0x7F:
            return (.string, input[start..<(start + 1)], input[(start + 1)...])
        case 0x80...0xB7:
            kind = .string
            headerLength = 1
            contentLength = Int(prefix &- 0x80)
            if contentLength == 1, input.count > 1, input[start + 1] < 0x80 {
                throw .nonCanonicalSize
            }
        case 0xB8...0xBF:
            kind = .string
            (headerLength, contentLength) = try longForm(input, lengthOfLength: Int(prefix &- 0xB7))
        case 0xC0...0xF7:
            kind = .list
            headerLength = 1
            contentLength = Int(prefix &- 0xC0)
        default:
            kind = .list
            (headerLength, contentLength) = try longForm(input, lengthOfLength: Int(prefix &- 0xF7))
        }
        guard contentLength <= input.count - headerLength else { throw .lengthBeyondInput }
        let contentStart = start + headerLength
        let contentEnd = contentStart + contentLength
        return (kind, input[contentStart..<contentEnd], input[contentEnd...])
    }

    /// Reads a long-form header (a 1-8 byte big-endian length after the prefix byte).
    @inlinable
    static func longForm(
        _ input: ArraySlice<UInt8>, lengthOfLength: Int
    ) throws(RLPError) -> (headerLength: Int, contentLength: Int) {
        let start = input.startIndex
        guard input.count > lengthOfLength else { throw .lengthBeyondInput }
        guard input[start + 1] != 0 else { throw .nonCanonicalSize }
        var size: UInt64 = 0
        for offset in 1...lengthOfLength {
            size = size << 8 | UInt64(input[start + offset])
        }
        guard size >= 56 else { throw .nonCanonicalSize }
        guard size <= UInt64(input.count - 1 - lengthOfLength) else { throw .lengthBeyondInput }
        return (1 + lengthOfLength, Int(size))
    }

    /// Splits off a string value; a list is `expectedString`.
    @inlinable
    public static func splitString(
        _ input: ArraySlice<UInt8>
    ) throws(RLPError) -> (content: ArraySlice<UInt8>, rest: ArraySlice<UInt8>) {
        let (kind, content, rest) = try split(input)
        guard kind == .string else { throw .expectedString }
        return (content, rest)
    }

    /// Splits off a list value; a string is `expectedList`.
    @inlinable
    public static func splitList(
        _ input: ArraySlice<UInt8>
    ) throws(RLPError) -> (content: ArraySlice<UInt8>, rest: ArraySlice<UInt8>) {
        let (kind, content, rest) = try split(input)
        guard kind == .list else { throw .expectedList }
        return (content, rest)
    }

    /// Splits off a canonical unsigned integer of type `T`.
    @inlinable
    public static func splitUInt<T: FixedWidthInteger & UnsignedInteger>(
        _ input: ArraySlice<UInt8>, as type: T.Type = T.self
    ) throws(RLPError) -> (value: T, rest: ArraySlice<UInt8>) {
        let (content, rest) = try splitString(input)
        return (try decodeUInt(content, as: T.self), rest)
    }

    /// Reads the content of a string value as a canonical big-endian unsigned integer:
    /// minimal bytes, zero as the empty string.
    @inlinable
    public static func decodeUInt<T: FixedWidthInteger & UnsignedInteger>(
        _ content: ArraySlice<UInt8>, as type: T.Type = T.self
    ) throws(RLPError) -> T {
        guard content.count <= T.bitWidth / 8 else { throw .valueTooLarge }
        guard let first = content.first else { return 0 }
        if first == 0 { throw content.count == 1 ? .nonCanonicalInteger : .leadingZeros }
        var value: T = 0
        for byte in content {
            value = value << 8 | T(byte)
        }
        return value
    }

    /// The number of values in a list's content.
    public static func count(_ listContent: ArraySlice<UInt8>) throws(RLPError) -> Int {
        var rest = listContent
        var count = 0
        while !rest.isEmpty {
            rest = try split(rest).rest
            count += 1
        }
        return count
    }
}
