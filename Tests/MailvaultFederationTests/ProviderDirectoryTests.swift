import MailvaultAccountability
import MailvaultAPI
import MailvaultCore
import MailvaultFederation
import Testing

/// The directory's rules against hostile listings: only verified, unexpired descriptors; the
/// newest sequence per key; each peer bounded to its share; a host bounded; stale entries gone.
@Suite("Provider directory")
struct ProviderDirectoryTests {
    static let now: UInt32 = 1_800_000_000

    /// A descriptor of `key` as a provider serves it, as the body a directory answer carries.
    static func listed(_ key: ProviderKey, endpoint: String, sequence: UInt64 = 1, expires: UInt32 = now + 3600,
                       issuedAt: UInt32 = now) -> SignedDocumentBody {
        try! AnswerBody.signedDocument(signed(key, endpoints: [endpoint], sequence: sequence, expires: expires,
                                              issuedAt: issuedAt).json)
    }

    static func signed(_ key: ProviderKey, endpoints: [String], sequence: UInt64 = 1, expires: UInt32 = now + 3600,
                       issuedAt: UInt32 = now) -> SignedDocument {
        let descriptor = ProviderDescriptor(
            publicKey: Hex.encode(key.publicKey, prefix: true), address: key.address.description, software: "test",
            endpoints: endpoints, minimumPoW: 0, maximumEnvelopeSize: 1 << 20,
            retention: .init(maximumAge: 30 * 86_400, tiers: [], maximumBytes: nil),
            limits: .init(maximumPageSize: 1000, maximumTopics: 100, maximumBatch: 1000, maximumBodyBytes: 1 << 20,
                          ingestRate: 0, ingestBurst: 0, queryRate: 0, queryBurst: 0, maximumConcurrentQueries: 8),
            coverage: Coverage(from: 0, maximumAge: 30 * 86_400, minimumPoW: 0, newestIngest: nil, gaps: []),
            benchmark: nil, sequence: sequence, issuedAt: issuedAt, expires: expires)
        return SignedDocument(kind: "descriptor", document: SignedDocument.encode(descriptor), key: key)
    }

    static func identity(_ key: ProviderKey, endpoint: String, sequence: UInt64 = 1) -> ProviderIdentity {
        try! ProviderIdentity(signed: signed(key, endpoints: [endpoint], sequence: sequence))
    }

    static func addresses(_ documents: [SignedDocument]) -> [ProviderAddress] { documents.map(\.signer) }

    @Test func ownFirstThenPeersThenHeardNewestSequenceWins() {
        let own = ProviderKey.generate(), peer = ProviderKey.generate(), far = ProviderKey.generate()
        let directory = ProviderDirectory(own: own.address, sources: 1)
        directory.know(peer: Self.identity(peer, endpoint: "https://peer.example"))
        let first = directory.learn([Self.listed(far, endpoint: "https://far.example", sequence: 5),
                                     Self.listed(own, endpoint: "https://own.example")], from: peer.address, now: Self.now)
        #expect(first.added == 1 && first.unchanged == 1 && first.refused.isEmpty)
        let older = directory.learn([Self.listed(far, endpoint: "https://old.example", sequence: 4)], from: peer.address, now: Self.now)
        #expect(older.unchanged == 1 && older.updated == 0)
        let newer = directory.learn([Self.listed(far, endpoint: "https://new.example", sequence: 6)], from: peer.address, now: Self.now)
        #expect(newer.updated == 1)
        let ownDocument = Self.signed(own, endpoints: ["https://own.example"])
        let listing = directory.listing(own: ownDocument, now: Self.now)
        #expect(Self.addresses(listing) == [own.address, peer.address, far.address])
        let farDescriptor = try! ProviderIdentity(signed: listing[2]).descriptor
        #expect(farDescriptor.sequence == 6 && farDescriptor.endpoints == ["https://new.example"])
    }

    @Test func refusesWhatDoesNotVerifyOrCannotBeUsed() {
        let peer = ProviderKey.generate(), other = ProviderKey.generate()
        let directory = ProviderDirectory(own: nil, sources: 1)
        var forged = Self.listed(ProviderKey.generate(), endpoint: "https://forged.example")
        forged.document = forged.document.replacingOccurrences(of: "forged.example", with: "evil.example")
        var wrongSigner = Self.listed(ProviderKey.generate(), endpoint: "https://wrong.example")
        wrongSigner.signer = other.address.description
        let report = directory.learn([
            forged, wrongSigner,
            Self.listed(ProviderKey.generate(), endpoint: "https://expired.example", expires: Self.now),
            Self.listed(ProviderKey.generate(), endpoint: "https://forever.example", expires: Self.now + 365 * 86_400),
            Self.listed(ProviderKey.generate(), endpoint: "https://future.example", issuedAt: Self.now + 3600),
            Self.listed(ProviderKey.generate(), endpoint: "ftp://files.example"),
            Self.listed(ProviderKey.generate(), endpoint: "https://good.example"),
        ], from: peer.address, now: Self.now)
        #expect(report.added == 1)
        #expect(report.refused.values.reduce(0, +) == 6, "\(report.refused)")
        #expect(report.refused["it has expired"] == 1)
        #expect(report.refused["it names an endpoint that is not an http(s) URL"] == 1)
        #expect(directory.listing(own: nil, now: Self.now).count == 1)
        #expect(directory.counts(now: Self.now).refused == 6)
    }

    /// One peer lists a flood of fresh keys: it fills its own share and no more, and another
    /// peer's providers still get in.
    @Test func aFloodingPeerFillsItsShareOnly() {
        let flooder = ProviderKey.generate(), honest = ProviderKey.generate()
        var limits = ProviderDirectory.Limits()
        limits.capacity = 40
        let directory = ProviderDirectory(own: nil, sources: 2, limits: limits)
        let flood = (0..<100).map { Self.listed(ProviderKey.generate(), endpoint: "https://h\($0).flood.example") }
        let flooded = directory.learn(flood, from: flooder.address, now: Self.now)
        #expect(flooded.added == 20)
        #expect(flooded.refused["the peer's share of the directory is full"] == 80)
        let good = (0..<10).map { Self.listed(ProviderKey.generate(), endpoint: "https://h\($0).good.example") }
        #expect(directory.learn(good, from: honest.address, now: Self.now).added == 10)
        // The flooder listing again replaces nothing it did not already hold.
        let again = directory.learn((0..<100).map { Self.listed(ProviderKey.generate(), endpoint: "https://x\($0).flood.example") },
                                    from: flooder.address, now: Self.now + 1)
        #expect(again.added == 0)
        #expect(directory.counts(now: Self.now + 1).heard == 30)
    }

    @Test func atMostFourProvidersPerHost() {
        let peer = ProviderKey.generate()
        let directory = ProviderDirectory(own: nil, sources: 1)
        let report = directory.learn((0..<6).map { Self.listed(ProviderKey.generate(), endpoint: "https://one.example:\(8000 + $0)") },
                                     from: peer.address, now: Self.now)
        #expect(report.added == 4)
        #expect(report.refused["4 providers are listed at one.example already"] == 2)
    }

    /// Heard entries live while a peer keeps listing them; a peer verified firsthand is never
    /// hearsay.
    @Test func staleHearsayDrainsAndFirsthandReplacesIt() {
        let peer = ProviderKey.generate(), far = ProviderKey.generate(), near = ProviderKey.generate()
        var limits = ProviderDirectory.Limits()
        limits.staleAfter = 600
        let directory = ProviderDirectory(own: nil, sources: 1, limits: limits)
        _ = directory.learn([Self.listed(far, endpoint: "https://far.example", expires: Self.now + 86_400),
                             Self.listed(near, endpoint: "https://near.example")], from: peer.address, now: Self.now)
        #expect(directory.counts(now: Self.now).heard == 2)
        directory.know(peer: Self.identity(near, endpoint: "https://near.example", sequence: 2))
        #expect(directory.counts(now: Self.now) == .init(peers: 1, heard: 1, refused: 0))
        #expect(Self.addresses(directory.listing(own: nil, now: Self.now + 601)) == [near.address])
    }
}
