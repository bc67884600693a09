import MailvaultCore

/// One range of a message: it runs from the previous range's upper bound (or `SyncBound.zero`)
/// up to, not including, `upperBound`, and says what the sender wants done with it.
public struct NegentropyRange: Equatable, Sendable {
    /// What the sender sends for a range (the mode and its payload).
    public enum Payload: Equatable, Sendable {
        /// Mode 0: nothing more to do here.
        case skip
        /// Mode 1: the digest of the sender's ids in the range.
        case fingerprint(Fingerprint)
        /// Mode 2: every id the sender has in the range.
        case idList([Hash256])

        /// The mode number on the wire.
        public var mode: UInt64 {
            switch self {
            case .skip: 0
            case .fingerprint: 1
            case .idList: 2
            }
        }
    }

    /// The exclusive upper bound.
    public var upperBound: SyncBound
    /// The mode and its payload.
    public var payload: Payload

    /// A range from its upper bound and payload.
    public init(upperBound: SyncBound, payload: Payload) {
        self.upperBound = upperBound
        self.payload = payload
    }
}
