import Foundation
import MailvaultCore
import MailvaultStore
import Testing

@Suite("POST /v1/envelopes")
struct IngestEndpointTests {
    @Test func rlpPacketIsStoredDurablyAndReportedInOrder() async throws {
        let server = try await TestServer.start()
        let envelopes = (0..<3).map { Fixtures.envelope($0) }
        let reply = try await server.client.post("/v1/envelopes", body: Envelope.encodePacket(envelopes + [envelopes[1]]),
                                                 contentType: "application/x-rlp")
        #expect(reply.status == 200)
        let results = try #require(try reply.json()["results"] as? [[String: Any]])
        #expect(results.map { $0["status"] as? String } == ["stored", "stored", "stored", "duplicate"])
        #expect(results.map { $0["hash"] as? String } == (envelopes + [envelopes[1]]).map { Hex.encode($0.hash.bytes, prefix: true) })
        // The answer came after the commit: the store already has every envelope.
        #expect(try server.store.presence(of: envelopes.map(\.hash)) == [true, true, true])
        let again = try await server.client.post("/v1/envelopes", body: Envelope.encodePacket([envelopes[0]]),
                                                 contentType: "application/x-rlp")
        #expect(try (again.json()["results"] as? [[String: Any]])?.first?["status"] as? String == "duplicate")
        try await server.stop()
    }

    @Test func jsonBodyIsStored() async throws {
        let server = try await TestServer.start()
        let envelopes = (10..<15).map { Fixtures.envelope($0) }
        let reply = try await server.client.postJSON("/v1/envelopes", Fixtures.json(envelopes))
        #expect(reply.status == 200)
        #expect(try server.store.presence(of: envelopes.map(\.hash)).allSatisfy { $0 })
        let stored = try #require(try server.store.envelope(hash: envelopes[2].hash))
        #expect(stored == envelopes[2])
        try await server.stop()
    }

    @Test func rulesRejectWithReasonsAndStoreTheRest() async throws {
        let server = try await TestServer.start { $0.minimumPoW = 0.5; $0.maximumEnvelopeSize = 1000 }
        // One sealed envelope that meets the minimum, and one envelope of each rejection.
        var sealed = Fixtures.envelope(1)
        var nonce: UInt64 = 0
        while sealed.withNonce(nonce).pow() < 0.5 { nonce += 1 }
        sealed = sealed.withNonce(nonce)
        let now = TestServer.now
        let cases: [(Envelope, String)] = [
            (Envelope(expiry: now + 100, ttl: 0, topic: Fixtures.topic, data: [1], nonce: 0), "zeroTTL"),
            (Envelope(expiry: now + 200, ttl: 100, topic: Fixtures.topic, data: [2], nonce: 0), "future"),
            (Envelope(expiry: now - 100, ttl: 100, topic: Fixtures.topic, data: [3], nonce: 0), "tooOld"),
            (Envelope(expiry: now - 5, ttl: 100, topic: Fixtures.topic, data: [4], nonce: 0), "expired"),
            (Fixtures.envelope(5, size: 2000), "tooLarge"),
        ]
        // Whatever the fixture's PoW, make a low-PoW one: the first nonce below the minimum.
        var low = Fixtures.envelope(6)
        var lowNonce: UInt64 = 0
        while low.withNonce(lowNonce).pow() >= 0.5 { lowNonce += 1 }
        low = low.withNonce(lowNonce)
        let posted = [sealed] + cases.map(\.0) + [low]
        let reply = try await server.client.post("/v1/envelopes", body: Envelope.encodePacket(posted),
                                                 contentType: "application/x-rlp")
        #expect(reply.status == 200)
        let results = try #require(try reply.json()["results"] as? [[String: Any]])
        #expect(results.map { $0["status"] as? String } == ["stored"] + Array(repeating: "rejected", count: 6))
        #expect(results.dropFirst().map { $0["reason"] as? String } == cases.map(\.1) + ["lowPoW"])
        #expect(try server.store.stats().envelopes == 1)
        try await server.stop()
    }

    /// Every kind of bad body gets a 4xx with the error object, and the store is unchanged.
    @Test func badBodiesStoreNothing() async throws {
        let server = try await TestServer.start { $0.maximumBodyBytes = 4096; $0.maximumBatch = 5 }
        let good = Envelope.encodePacket([Fixtures.envelope(1)])
        let cases: [(body: [UInt8], type: String?, status: Int, code: String)] = [
            (Array(good.dropLast()), "application/x-rlp", 400, "malformedRLP"),
            (good + [0], "application/x-rlp", 400, "malformedRLP"),
            ([0xc3, 0x82, 0x01, 0x02], "application/x-rlp", 400, "malformedRLP"),
            (Array(#"{"envelopes":[{"expiry":"1","ttl":1,"topic":"0x01020304","data":"0x","nonce":1}]}"#.utf8), "application/json", 400, "malformedBody"),
            (Array(#"{"envelopes":[{"expiry":1,"ttl":1,"topic":"0x0102030g","data":"0x","nonce":1}]}"#.utf8), "application/json", 400, "malformedBody"),
            (Array("not json".utf8), "application/json", 400, "malformedBody"),
            (good, "text/plain", 415, "unsupportedMediaType"),
            (good, nil, 415, "unsupportedMediaType"),
            (Envelope.encodePacket([Fixtures.envelope(2, size: 5000)]), "application/x-rlp", 413, "bodyTooLarge"),
            (Envelope.encodePacket((0..<6).map { Fixtures.envelope($0) }), "application/x-rlp", 413, "tooManyEnvelopes"),
        ]
        for item in cases {
            let reply = try await server.client.post("/v1/envelopes", body: item.body, contentType: item.type)
            #expect(reply.status == item.status, "\(item.code): \(reply.text)")
            #expect(try reply.error().code == item.code)
            #expect(reply.headers["content-type"] == "application/json")
        }
        #expect(try server.store.stats().envelopes == 0)
        // A chunked body (no Content-Length) that runs past the limit is refused the same way.
        let chunked = try await server.client.raw(
            "POST /v1/envelopes HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-rlp\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + String(repeating: "400\r\n" + String(repeating: "a", count: 1024) + "\r\n", count: 8)
                + "0\r\n\r\n")
        #expect(chunked.status == 413)
        #expect(try chunked.error().code == "bodyTooLarge")
        #expect(try server.store.stats().envelopes == 0)
        try await server.stop()
    }
}
