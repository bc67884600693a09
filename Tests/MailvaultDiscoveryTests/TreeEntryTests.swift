import MailvaultAccountability
import MailvaultCore
@testable import MailvaultDiscovery
import Testing

@Suite struct TreeEntryTests {
    static let example = DiscoveryVectors.shared.eip1459

    /// EIP-1459's example zone: each entry parses, prints back as the same text, and hashes to
    /// the label the EIP (and eth-hash) gives it; the root verifies against the key it was made
    /// with and against no other.
    @Test func readsTheEIP1459Example() throws {
        for (label, text) in Self.example.entries {
            let entry = try TreeEntry(text: text)
            #expect(entry.text == text)
            #expect(TreeEntry.label(of: text) == label)
            #expect(TreeEntry.matches(text, label: label))
        }
        let root = try TreeRoot(text: Self.example.root)
        #expect(root.recordRoot == "JWXYDBPXYWG6FX3GMDIBFA6CJ4")
        #expect(root.linkRoot == "C7HRFPF3BLGF3YR4DY5KX3SMBE")
        #expect(root.sequence == 1)
        #expect(root.text == Self.example.root)
        let signer = try TreeLink(text: "enrtree://\(Self.example.signerKey)@nodes.example.org")
        #expect(root.isSigned(by: signer.publicKey))
        let other = try TreeLink(text: "enrtree://AM5FCQLWIZX2QFPNJAP7VUERCCRNGRHWZG3YYHIUV7BVDQ5FDPRT2@nodes.example.org")
        #expect(!root.isSigned(by: other.publicKey))
        guard case .branch(let children) = try TreeEntry(text: Self.example.entries["JWXYDBPXYWG6FX3GMDIBFA6CJ4"]!) else {
            Issue.record("not a branch")
            return
        }
        #expect(children == ["2XS2367YHAXJFGLZHVAWLQD4ZY", "H4FHT4B454P6UXFD7JCYQ5PWDY", "MHTDO6TMUBRIA2XWG5LUDACK24"])
    }

    @Test func refusesEveryMalformedEntry() throws {
        let sig = "o908WmNp7LibOfPsr4btQwatZJ5URBr2ZAuxvK4UWHlsB9sUOTJQaGAlLPVAhM__XJesCHxLISo94z5Z2a463gA"
        let cases: [(String, TreeEntryError)] = [
            ("", .unknownEntry("")),
            ("enrtree-root:v2 e=JWXYDBPXYWG6FX3GMDIBFA6CJ4 l=C7HRFPF3BLGF3YR4DY5KX3SMBE seq=1 sig=\(sig)",
             .unknownEntry("enrtree-root:v2 e=JWXYDBPXYWG6FX3GMDIBFA6CJ4 l=C7HRFPF3BLGF3YR4DY5KX3SMBE seq=1 sig=\(sig)")),
            ("enrtree-root:v1 e=JWXYDBPXYWG6FX3GMDIBFA6CJ4  l=C7HRFPF3BLGF3YR4DY5KX3SMBE seq=1 sig=\(sig)",
             .invalidRoot("expected 'enrtree-root:v1 e=<hash> l=<hash> seq=<n> sig=<signature>'")),
            ("enrtree-root:v1 l=C7HRFPF3BLGF3YR4DY5KX3SMBE e=JWXYDBPXYWG6FX3GMDIBFA6CJ4 seq=1 sig=\(sig)",
             .invalidRoot("expected 'enrtree-root:v1 e=<hash> l=<hash> seq=<n> sig=<signature>'")),
            ("enrtree-root:v1 e=JWXYDBPXYWG6FX3GMDIBFA6CJ4 l=C7HRFPF3BLGF3YR4DY5KX3SMBE seq=1 sig=\(sig) x=1",
             .invalidRoot("expected 'enrtree-root:v1 e=<hash> l=<hash> seq=<n> sig=<signature>'")),
            ("enrtree-root:v1 e=jwxydbpxywg6fx3gmdibfa6cj4 l=C7HRFPF3BLGF3YR4DY5KX3SMBE seq=1 sig=\(sig)",
             .invalidHash("jwxydbpxywg6fx3gmdibfa6cj4")),
            ("enrtree-root:v1 e=JWXYDBPX l=C7HRFPF3BLGF3YR4DY5KX3SMBE seq=1 sig=\(sig)", .invalidHash("JWXYDBPX")),
            ("enrtree-root:v1 e=JWXYDBPXYWG6FX3GMDIBFA6CJ4 l=C7HRFPF3BLGF3YR4DY5KX3SMBE seq=01 sig=\(sig)", .invalidSequence("01")),
            ("enrtree-root:v1 e=JWXYDBPXYWG6FX3GMDIBFA6CJ4 l=C7HRFPF3BLGF3YR4DY5KX3SMBE seq=-1 sig=\(sig)", .invalidSequence("-1")),
            ("enrtree-root:v1 e=JWXYDBPXYWG6FX3GMDIBFA6CJ4 l=C7HRFPF3BLGF3YR4DY5KX3SMBE seq=18446744073709551616 sig=\(sig)",
             .invalidSequence("18446744073709551616")),
            ("enrtree-root:v1 e=JWXYDBPXYWG6FX3GMDIBFA6CJ4 l=C7HRFPF3BLGF3YR4DY5KX3SMBE seq=1 sig=\(sig.dropLast())", .invalidSignature),
            ("enrtree-root:v1 e=JWXYDBPXYWG6FX3GMDIBFA6CJ4 l=C7HRFPF3BLGF3YR4DY5KX3SMBE seq=1 sig=\(sig)==", .invalidSignature),
            ("enrtree-branch:2XS2367YHAXJFGLZHVAWLQD4ZY,", .invalidHash("")),
            ("enrtree-branch: 2XS2367YHAXJFGLZHVAWLQD4ZY", .invalidHash(" 2XS2367YHAXJFGLZHVAWLQD4ZY")),
            ("enrtree-branch:2XS2367YHAXJFGLZHVAWLQD4Z1", .invalidHash("2XS2367YHAXJFGLZHVAWLQD4Z1")),
            ("enrtree://AM5FCQLWIZX2QFPNJAP7VUERCCRNGRHWZG3YYHIUV7BVDQ5FDPRT2", .invalidDomain("AM5FCQLWIZX2QFPNJAP7VUERCCRNGRHWZG3YYHIUV7BVDQ5FDPRT2")),
            ("enrtree://AM5FCQLWIZX2QFPNJAP7VUERCCRNGRHWZG3YYHIUV7BVDQ5FDPRT@a.org", .invalidLinkKey),
            ("enrtree://AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA@a.org", .invalidLinkKey),
            ("enrtree://AM5FCQLWIZX2QFPNJAP7VUERCCRNGRHWZG3YYHIUV7BVDQ5FDPRT2@", .invalidDomain("")),
            ("enrtree://AM5FCQLWIZX2QFPNJAP7VUERCCRNGRHWZG3YYHIUV7BVDQ5FDPRT2@a..org", .invalidDomain("a..org")),
            ("enrtree://AM5FCQLWIZX2QFPNJAP7VUERCCRNGRHWZG3YYHIUV7BVDQ5FDPRT2@a b.org", .invalidDomain("a b.org")),
            ("enr:", .record(.rlp(.lengthBeyondInput))),
            ("enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuOh8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdm8",
             .invalidSignature),
            ("enrtree-leaf:abc", .unknownEntry("enrtree-leaf:abc")),
        ]
        for (text, expected) in cases {
            if case .invalidSignature = expected, text.hasPrefix("enr:") {
                // One base64 character changed the udp port: the record's signature fails.
                #expect(throws: TreeEntryError.record(.badSignature), "\(text)") { try TreeEntry(text: text) }
                continue
            }
            #expect(throws: expected, "\(text)") { try TreeEntry(text: text) }
        }
        #expect(try TreeEntry(text: "enrtree-branch:") == .branch([]))
        // The empty branch's label, as go-ethereum's dnsdisc tests publish it.
        #expect(TreeEntry.label(of: "enrtree-branch:") == "FDXN3SN67NA5DKA4J2GOK7BVQI")
    }

    @Test func linksRoundTrip() throws {
        let key = ProviderKey.generate()
        let link = try TreeLink(publicKey: key.verifyingKey, domain: "Nodes.Example.org")
        // The text keeps the case it was given (its hash depends on it); equality ignores case.
        #expect(link.domain == "Nodes.Example.org")
        #expect(try TreeLink(text: link.text).text == link.text)
        #expect(try TreeLink(publicKey: key.verifyingKey, domain: "nodes.example.ORG") == link)
        #expect(link.text.count == "enrtree://".count + 53 + 1 + "nodes.example.org".count)
    }

    @Test func base32AndBase64MatchRFC4648() {
        let vectors: [(String, String, String)] = [
            ("", "", ""), ("f", "MY", "Zg"), ("fo", "MZXQ", "Zm8"), ("foo", "MZXW6", "Zm9v"),
            ("foob", "MZXW6YQ", "Zm9vYg"), ("fooba", "MZXW6YTB", "Zm9vYmE"), ("foobar", "MZXW6YTBOI", "Zm9vYmFy"),
        ]
        for (plain, base32, base64) in vectors {
            #expect(Base32.encode(Array(plain.utf8)) == base32)
            #expect(Base32.decode(base32) == Array(plain.utf8))
            #expect(Base64URL.encode(Array(plain.utf8)) == base64)
            #expect(Base64URL.decode(base64) == Array(plain.utf8))
        }
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        #expect(Base32.decode("MZ") == nil)  // non-zero bits after the last byte
        #expect(Base32.decode("MZXW6===") == nil)
        #expect(Base64URL.decode("Zh") == nil)
        #expect(Base64URL.decode("Z") == nil)
    }
}
