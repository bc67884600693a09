import MailvaultAccountability
import MailvaultClient
import MailvaultCore
import Testing

/// A node's directory is read entry by entry: each verified on its own, the newest sequence per
/// address kept, expired and unreachable entries skipped, anything else about it an error.
@Suite("BootstrapDirectory")
struct BootstrapDirectoryTests {
    static let now: UInt32 = 1_800_000_000

    static func descriptor(_ key: ProviderKey, endpoints: [String], sequence: UInt64 = 1,
                           expires: UInt32 = BootstrapDirectoryTests.now + 3600) -> SignedDocument {
        let body = ProviderDescriptor(
            publicKey: Hex.encode(key.publicKey, prefix: true), address: key.address.description, software: "test/1",
            endpoints: endpoints, minimumPoW: 0.2, maximumEnvelopeSize: 1 << 20,
            retention: .init(maximumAge: 86_400 * 30, tiers: [], maximumBytes: nil),
            limits: .init(maximumPageSize: 1000, maximumTopics: 100, maximumBatch: 1000, maximumBodyBytes: 1 << 20,
                          ingestRate: 0, ingestBurst: 1, queryRate: 0, queryBurst: 1, maximumConcurrentQueries: 1),
            coverage: Coverage(from: 0, maximumAge: 86_400 * 30, minimumPoW: 0.2, newestIngest: nil, gaps: []),
            benchmark: nil, sequence: sequence, issuedAt: BootstrapDirectoryTests.now, expires: expires)
        return SignedDocument(kind: "descriptor", document: SignedDocument.encode(body), key: key)
    }

    static func directory(_ entries: [[UInt8]]) -> [UInt8] {
        Array("{\"providers\":[".utf8) + entries.joined(separator: Array(",".utf8)) + Array("]}".utf8)
    }

    @Test func verifiedEntriesBecomeCandidatesAndTheRestAreSkipped() throws {
        let a = ProviderKey.generate(), b = ProviderKey.generate(), c = ProviderKey.generate(), d = ProviderKey.generate()
        // A descriptor whose document was changed after signing.
        let honest = BootstrapDirectoryTests.descriptor(d, endpoints: ["http://d.example"])
        let tampered = SignedDocument(kind: "descriptor",
                                      document: Array(String(decoding: honest.document, as: UTF8.self)
                                          .replacingOccurrences(of: "d.example", with: "evil.example").utf8),
                                      signature: honest.signature, signer: honest.signer, path: [])
        let body = BootstrapDirectoryTests.directory([
            BootstrapDirectoryTests.descriptor(a, endpoints: ["http://a.example/"], sequence: 1).json,
            BootstrapDirectoryTests.descriptor(a, endpoints: ["http://a2.example"], sequence: 2).json,
            BootstrapDirectoryTests.descriptor(b, endpoints: ["ftp://b.example"]).json,
            BootstrapDirectoryTests.descriptor(c, endpoints: ["http://c.example"], expires: BootstrapDirectoryTests.now - 1).json,
            tampered.json,
        ])
        let parsed = try BootstrapDirectory.parse(body, from: "http://node", now: BootstrapDirectoryTests.now)
        #expect(parsed.candidates.map(\.url) == ["http://a2.example"])
        #expect(parsed.candidates.first?.identity?.descriptor.sequence == 2)
        #expect(parsed.skipped.count == 3, "\(parsed.skipped)")
        #expect(parsed.skipped.contains { $0.contains("no http(s) endpoint") })
        #expect(parsed.skipped.contains { $0.contains("expired") })
    }

    @Test(arguments: ["", "[]", "{\"providers\":{}}", "{\"nodes\":[]}", "not json", "{\"providers\":[42]}",
                      "{\"providers\":[{\"kind\":\"descriptor\"}]}"])
    func anAnswerThatIsNotADirectoryIsAnError(_ text: String) {
        #expect(throws: ClientError.self) {
            _ = try BootstrapDirectory.parse(Array(text.utf8), from: "http://node", now: BootstrapDirectoryTests.now)
        }
    }

    @Test(arguments: ["ftp://x", "http://", "not a url", "http://host/?q=1", "https://host#frag"])
    func aURLThatIsNotHTTPIsRefused(_ text: String) {
        #expect(throws: ClientError.invalidURL(text)) { _ = try ProviderURLs([text]) }
        #expect(throws: ClientError.invalidURL(text)) { _ = try BootstrapDirectory(url: text) }
    }
}
