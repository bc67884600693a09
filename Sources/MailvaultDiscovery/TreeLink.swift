import MailvaultAccountability

/// A link to a tree (EIP-1459): `enrtree://<base32 compressed public key>@<domain>`, the URL a
/// client is configured with and the leaf form that points one tree at another.
public struct TreeLink: Hashable, Sendable, CustomStringConvertible {
    static let scheme = "enrtree://"

    /// The key the tree's root must be signed with.
    public let publicKey: PublicKey
    /// The domain whose TXT record holds the root, as written (the link's text, and so its
    /// hash, keeps the case it was given; two links compare equal whatever their case, as DNS
    /// names do).
    public let domain: String

    /// A link to the tree at `domain` signed by `publicKey`.
    public init(publicKey: PublicKey, domain: String) throws(TreeEntryError) {
        try TreeLink.check(domain: domain)
        self.publicKey = publicKey
        self.domain = domain
    }

    public static func == (lhs: TreeLink, rhs: TreeLink) -> Bool {
        lhs.publicKey == rhs.publicKey && lhs.domain.lowercased() == rhs.domain.lowercased()
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(publicKey)
        hasher.combine(domain.lowercased())
    }

    /// Parses `enrtree://KEY@DOMAIN`.
    public init(text: some StringProtocol) throws(TreeEntryError) {
        guard text.hasPrefix(TreeLink.scheme) else { throw .unknownEntry(String(text)) }
        let rest = text.dropFirst(TreeLink.scheme.count)
        guard let at = rest.firstIndex(of: "@") else { throw .invalidDomain(String(rest)) }
        guard let keyBytes = Base32.decode(rest[..<at]), keyBytes.count == 33,
              let key = try? PublicKey(bytes: keyBytes) else {
            throw .invalidLinkKey
        }
        try self.init(publicKey: key, domain: String(rest[rest.index(after: at)...]))
    }

    /// The link's text, `enrtree://` + base32 of the compressed key + `@` + domain.
    public var text: String { TreeLink.scheme + Base32.encode(publicKey.compressed) + "@" + domain }

    public var description: String { text }

    /// A DNS name: dot-separated labels of 1 to 63 letters, digits, `-` or `_`, at most 253
    /// characters, no trailing dot.
    static func check(domain: String) throws(TreeEntryError) {
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard !domain.isEmpty, domain.utf8.count <= 253,
              labels.allSatisfy({ label in
                  (1...63).contains(label.utf8.count) && label.utf8.allSatisfy { byte in
                      (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
                          || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                  }
              }) else {
            throw .invalidDomain(domain)
        }
    }
}
