import Foundation
import MailvaultAccountability
import MailvaultCore
@testable import MailvaultServer
import MailvaultStore
import Testing

@Suite("Accountability endpoints: descriptor, receipts, checkpoints")
struct ProviderEndpointTests {
    func signed(_ object: Any?) throws -> SignedDocument {
        let dictionary = try #require(object as? [String: Any])
        let document = try SignedDocument(object: dictionary)
        try document.verify()
        return document
    }

    @Test func descriptorIsSignedByTheProviderKey() async throws {
        let key = ProviderKey.generate()
        let server = try await TestServer.start {
            $0.providerKey = key
            $0.minimumPoW = 0.25
            $0.endpoints = ["https://mv.example"]
            $0.benchmark = ["seal.1thread.vs.rehash": 60.25]
        }
        let document = try signed(try await server.client.get("/v1/provider").json())
        #expect(document.kind == "descriptor" && document.signer == key.address)
        let body = try document.decode(ProviderDescriptor.self)
        #expect(body.address == key.address.description)
        #expect(body.publicKey == Hex.encode(key.publicKey, prefix: true))
        #expect(body.minimumPoW == 0.25 && body.endpoints == ["https://mv.example"])
        #expect(body.sequence >= 1 && body.expires > body.issuedAt)
        #expect(body.coverage.from == TestServer.now)
        #expect(body.benchmark == ["seal.1thread.vs.rehash": 60.25])
        try await server.stop()
    }

    @Test func everyPageCarriesAReceiptThatCommitsToItsKeys() async throws {
        let server = try await TestServer.start()
        let envelopes = (0..<12).map { Fixtures.envelope($0, sentOffset: -$0) }
        _ = try await server.client.post("/v1/envelopes", body: Envelope.encodePacket(envelopes), contentType: "application/x-rlp")
        for endpoint in ["envelopes", "hashes"] {
            let json = try await server.client.get("/v1/\(endpoint)?topics=0xdeadbeef&limit=5").json()
            let items = try #require(json[endpoint] as? [[String: Any]])
            let keys = try items.map { item -> EnvelopeKey in
                let hash = try Hash256(hex: try #require(item["hash"] as? String))
                return EnvelopeKey(sent: UInt32(try #require(item["sent"] as? Int)), hash: hash)
            }
            let document = try signed(json["receipt"])
            let receipt = try document.decode(QueryReceipt.self)
            #expect(receipt.endpoint == endpoint && receipt.count == 5)
            #expect(receipt.version == 2 && receipt.commits(to: keys))
            #expect(receipt.next == json["cursor"] as? String)
            #expect(receipt.query.topics == ["0xdeadbeef"] && receipt.query.limit == 5)
            #expect(receipt.serverTime == TestServer.now)
        }
        let rlp = try await server.client.get("/v1/envelopes?limit=3", headers: ["Accept": "application/x-rlp"])
        let header = try #require(rlp.headers["mailvault-receipt"])
        let document = try SignedDocument(json: Array(try #require(Data(base64Encoded: header))))
        try document.verify()
        let keys = try Envelope.decodePacket(rlp.body).map { EnvelopeKey(sent: $0.sentTime, hash: $0.hash) }
        #expect(try document.decode(QueryReceipt.self).commits(to: keys))
        try await server.stop()
    }

    /// A provider that leaves a topic out of its answers signs receipts that prove it.
    @Test func withheldEnvelopeBecomesEvidence() async throws {
        let dropped = Topic(9, 9, 9, 9)
        let server = try await TestServer.start(archive: { WithholdingArchive(store: $0, withheld: dropped) })
        let withheld = Fixtures.envelope(1, topic: dropped)
        let kept = Fixtures.envelope(2)
        _ = try await server.client.post("/v1/envelopes", body: Envelope.encodePacket([withheld, kept]),
                                         contentType: "application/x-rlp")
        let json = try await server.client.get("/v1/hashes?limit=100").json()
        let entries = try #require(json["hashes"] as? [[String: Any]])
        #expect(entries.count == 1)
        let keys = try entries.map { EnvelopeKey(sent: UInt32($0["sent"] as! Int), hash: try Hash256(hex: $0["hash"] as! String)) }
        let evidence = OmissionEvidence(receipt: try signed(json["receipt"]), keys: keys, envelope: withheld)
        #expect(evidence.check().proven)
        // The same receipt does not convict the provider for an envelope it did return.
        #expect(!OmissionEvidence(receipt: evidence.receipt, keys: keys, envelope: kept).check().proven)
        try await server.stop()
    }

    @Test func checkpointsFingerprintTheStore() async throws {
        let server = try await TestServer.start { $0.checkpointInterval = 1 }
        let envelopes = (0..<7).map { Fixtures.envelope($0) }
        _ = try await server.client.post("/v1/envelopes", body: Envelope.encodePacket(envelopes), contentType: "application/x-rlp")
        var documents: [Any] = []
        for _ in 0..<50 where documents.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            documents = try await server.client.get("/v1/checkpoints?from=0&to=4294967295").json()["checkpoints"] as? [Any] ?? []
        }
        let checkpoint = try signed(documents.first).decode(Checkpoint.self)
        #expect(checkpoint.count == 7)
        let xor = envelopes.map(\.hash).reduce(Hash256.zero) {
            Hash256(w0: $0.w0 ^ $1.w0, w1: $0.w1 ^ $1.w1, w2: $0.w2 ^ $1.w2, w3: $0.w3 ^ $1.w3)
        }
        #expect(checkpoint.fingerprint == xor.description)
        #expect(try await server.client.get("/v1/checkpoints?from=5").status == 200)
        #expect(try await server.client.get("/v1/checkpoints?limit=5").status == 400)
        try await server.stop()
    }
}
