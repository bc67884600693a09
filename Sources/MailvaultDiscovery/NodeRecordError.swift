import MailvaultCore

/// Why a node record (EIP-778) was refused: one case per rule.
public enum NodeRecordError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The encoded record is longer than the 300 bytes EIP-778 allows.
    case tooLarge(size: Int)
    /// The text form does not start with `enr:`.
    case missingPrefix
    /// The text after `enr:` is not unpadded, canonical URL-safe base64.
    case invalidBase64
    /// The RLP is not canonical or not shaped as a record; bytes after the list are
    /// `.rlp(.trailingBytes)`, integers with leading zeros `.rlp(.leadingZeros)`.
    case rlp(RLPError)
    /// A key with no value after it (the list has an even number of items).
    case missingValue
    /// A key that sorts before the one written ahead of it.
    case unsortedKeys(String)
    /// A key written twice.
    case duplicateKey(String)
    /// No `id` key: the identity scheme is unknown.
    case missingIdentityScheme
    /// An `id` other than "v4", the only scheme this decoder can verify.
    case unknownIdentityScheme(String)
    /// No `secp256k1` key, or one that is not a 33-byte compressed point on the curve.
    case invalidPublicKey
    /// The signature is not 64 bytes or does not verify against the record's key.
    case badSignature
    /// The Mailvault entry (key `mailvault`) is malformed; the reason says how.
    case invalidMailvaultEntry(String)

    public var description: String {
        switch self {
        case .tooLarge(let size): "the node record is \(size) bytes, over EIP-778's limit of \(NodeRecord.maximumSize)"
        case .missingPrefix: "a node record's text must start with 'enr:'"
        case .invalidBase64: "the node record's text is not unpadded URL-safe base64"
        case .rlp(let error): "the node record's RLP is invalid: \(error)"
        case .missingValue: "the node record has a key without a value"
        case .unsortedKeys(let key): "the node record's keys are not sorted (at '\(key)')"
        case .duplicateKey(let key): "the node record holds the key '\(key)' twice"
        case .missingIdentityScheme: "the node record has no 'id' (identity scheme)"
        case .unknownIdentityScheme(let scheme): "the node record's identity scheme '\(scheme)' is not v4"
        case .invalidPublicKey: "the node record has no valid 33-byte 'secp256k1' public key"
        case .badSignature: "the node record's signature does not verify against its key"
        case .invalidMailvaultEntry(let reason): "the node record's 'mailvault' entry is invalid: \(reason)"
        }
    }
}
