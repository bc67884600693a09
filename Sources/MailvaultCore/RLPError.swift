/// Why the strict RLP decoder refused its input. One case per rule, as go-ethereum's `rlp`
/// package names them (`ErrCanonInt`, `ErrCanonSize`, `ErrValueTooLarge`, ...).
public enum RLPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Integer zero written as the byte 0x00 instead of the empty string 0x80.
    case nonCanonicalInteger
    /// An integer whose big-endian bytes start with 0x00.
    case leadingZeros
    /// A longer header than needed: a single byte below 0x80 wrapped as a string, a length
    /// below 56 in long form, or a length field starting with 0x00.
    case nonCanonicalSize
    /// An integer with more bytes than its type holds (e.g. 5 bytes for a uint32).
    case valueTooLarge
    /// A string where a list was required.
    case expectedList
    /// A list where a string was required.
    case expectedString
    /// A header declares more bytes than the input (or the enclosing list) holds.
    case lengthBeyondInput
    /// Bytes left over after the value.
    case trailingBytes
    /// Lists nested deeper than `RLPValue.maximumDepth`.
    case nestingTooDeep

    public var description: String {
        switch self {
        case .nonCanonicalInteger: "non-canonical integer (zero encoded as 0x00)"
        case .leadingZeros: "non-canonical integer (leading zero bytes)"
        case .nonCanonicalSize: "non-canonical size information"
        case .valueTooLarge: "integer too large for its type"
        case .expectedList: "expected a list, found a string"
        case .expectedString: "expected a string, found a list"
        case .lengthBeyondInput: "declared length runs beyond the input"
        case .trailingBytes: "trailing bytes after the value"
        case .nestingTooDeep: "lists nested too deeply"
        }
    }
}
