/// Why bytes are not a valid envelope.
public enum EnvelopeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The RLP itself is malformed or non-canonical.
    case rlp(RLPError)
    /// The list does not hold exactly the five items `[Expiry, TTL, Topic, Data, Nonce]`.
    case wrongItemCount(Int)
    /// The topic is not exactly four bytes.
    case invalidTopicSize(Int)

    public var description: String {
        switch self {
        case .rlp(let error): "invalid RLP: \(error)"
        case .wrongItemCount(let count): "an envelope has 5 items, this list has \(count)"
        case .invalidTopicSize(let size): "a topic is 4 bytes, this one is \(size)"
        }
    }

    /// A stable identifier for the rule that failed (`leadingZeros`, `wrongItemCount`, ...),
    /// for logs and machine-readable error codes.
    public var code: String {
        switch self {
        case .rlp(let error):
            switch error {
            case .nonCanonicalInteger: "nonCanonicalInteger"
            case .leadingZeros: "leadingZeros"
            case .nonCanonicalSize: "nonCanonicalSize"
            case .valueTooLarge: "valueTooLarge"
            case .expectedList: "expectedList"
            case .expectedString: "expectedString"
            case .lengthBeyondInput: "lengthBeyondInput"
            case .trailingBytes: "trailingBytes"
            case .nestingTooDeep: "nestingTooDeep"
            }
        case .wrongItemCount: "wrongItemCount"
        case .invalidTopicSize: "invalidTopicSize"
        }
    }
}
