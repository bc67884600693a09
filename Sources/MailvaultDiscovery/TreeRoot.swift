import MailvaultAccountability
import MailvaultCore

/// A tree's root entry (EIP-1459):
/// `enrtree-root:v1 e=<enr-root> l=<link-root> seq=<n> sig=<signature>`.
///
/// `e` and `l` are the hashes of the record subtree's and the link subtree's top entries; the
/// signature is 65 bytes (r ++ s ++ v), base64url, over keccak256 of the text before ` sig=`.
public struct TreeRoot: Hashable, Sendable, CustomStringConvertible {
    static let prefix = "enrtree-root:v1 "

    /// The hash (base32 label) of the record subtree's top entry.
    public let recordRoot: String
    /// The hash (base32 label) of the link subtree's top entry.
    public let linkRoot: String
    /// The tree's sequence number, raised by the curator on every update.
    public let sequence: UInt64
    /// The curator's signature.
    public let signature: RecoverableSignature

    /// A root signed with the curator's key.
    public init(recordRoot: String, linkRoot: String, sequence: UInt64, signer: ProviderKey) {
        self.recordRoot = recordRoot
        self.linkRoot = linkRoot
        self.sequence = sequence
        signature = signer.sign(digest: Keccak256.hash(Array(TreeRoot.signedText(recordRoot, linkRoot, sequence).utf8)))
    }

    /// Parses a root entry strictly (single spaces, fields in order, canonical numbers).
    public init(text: some StringProtocol) throws(TreeEntryError) {
        guard text.hasPrefix(TreeRoot.prefix) else { throw .unknownEntry(String(text)) }
        let fields = text.dropFirst(TreeRoot.prefix.count).split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 4, fields[0].hasPrefix("e="), fields[1].hasPrefix("l="), fields[2].hasPrefix("seq="),
              fields[3].hasPrefix("sig=") else {
            throw .invalidRoot("expected 'enrtree-root:v1 e=<hash> l=<hash> seq=<n> sig=<signature>'")
        }
        recordRoot = try TreeRoot.hash(fields[0].dropFirst(2))
        linkRoot = try TreeRoot.hash(fields[1].dropFirst(2))
        let number = fields[2].dropFirst(4)
        guard let sequence = UInt64(number), String(sequence) == number else { throw .invalidSequence(String(number)) }
        self.sequence = sequence
        guard let bytes = Base64URL.decode(fields[3].dropFirst(4)), bytes.count == 65, bytes[64] <= 1,
              let signature = RecoverableSignature(bytes: bytes) else {
            throw .invalidSignature
        }
        self.signature = signature
    }

    /// The text the signature covers: the entry up to, and without, ` sig=`.
    public var signedText: String { TreeRoot.signedText(recordRoot, linkRoot, sequence) }

    /// The entry's full text.
    public var text: String { signedText + " sig=" + Base64URL.encode(signature.bytes) }

    public var description: String { text }

    /// Whether the root is signed by `key` (r ++ s verified against it, lower-S only).
    public func isSigned(by key: PublicKey) -> Bool {
        key.verify(signature: signature.bytes[0..<64], digest: Keccak256.hash(Array(signedText.utf8)))
    }

    static func signedText(_ recordRoot: String, _ linkRoot: String, _ sequence: UInt64) -> String {
        "enrtree-root:v1 e=\(recordRoot) l=\(linkRoot) seq=\(sequence)"
    }

    /// A hash as EIP-1459 writes it: go-ethereum accepts base32 of 12 to 32 bytes.
    static func hash(_ text: some StringProtocol) throws(TreeEntryError) -> String {
        guard let bytes = Base32.decode(text), (12...32).contains(bytes.count) else { throw .invalidHash(String(text)) }
        return String(text)
    }
}
