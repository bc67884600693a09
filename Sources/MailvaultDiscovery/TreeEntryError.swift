/// Why a TXT entry of an EIP-1459 tree was refused: one case per rule.
public enum TreeEntryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text starts with none of `enrtree-root:v1 `, `enrtree-branch:`, `enrtree://`, `enr:`.
    case unknownEntry(String)
    /// The root is not exactly `enrtree-root:v1 e=<hash> l=<hash> seq=<n> sig=<signature>`.
    case invalidRoot(String)
    /// A hash (a root's `e`/`l`, a branch child) that is not unpadded base32 of 12 to 32 bytes.
    case invalidHash(String)
    /// A sequence number that is not a canonical decimal uint64.
    case invalidSequence(String)
    /// A root signature that is not unpadded base64url of 65 bytes with recovery id 0 or 1.
    case invalidSignature
    /// A link whose key is not base32 of a 33-byte compressed public key on the curve.
    case invalidLinkKey
    /// A link without `@`, or whose domain is not a DNS name.
    case invalidDomain(String)
    /// An `enr:` leaf whose record is refused.
    case record(NodeRecordError)

    public var description: String {
        switch self {
        case .unknownEntry(let text): "unknown tree entry '\(text.prefix(40))'"
        case .invalidRoot(let reason): "invalid tree root: \(reason)"
        case .invalidHash(let hash): "invalid tree hash '\(hash.prefix(60))'"
        case .invalidSequence(let text): "invalid sequence number '\(text.prefix(30))'"
        case .invalidSignature: "the tree root's signature is not base64url of 65 bytes"
        case .invalidLinkKey: "the tree link's key is not a base32 compressed secp256k1 public key"
        case .invalidDomain(let domain): "'\(domain.prefix(60))' is not a DNS domain name"
        case .record(let error): "\(error)"
        }
    }
}
