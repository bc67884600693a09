import Foundation
import MailvaultCore
import MailvaultServer
import MailvaultStore
import Testing

@Suite("GET /v1/envelopes, /v1/hashes, /v1/envelopes/{hash}, POST /v1/presence")
struct QueryEndpointTests {
    /// 25 envelopes on two topics, spread over 25 seconds.
    func populated(_ configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> (TestServer, [Envelope]) {
        let server = try await TestServer.start(configure)
        let envelopes = (0..<25).map {
            Fixtures.envelope($0, topic: $0 % 3 == 0 ? Topic(1, 2, 3, 4) : Fixtures.topic, sentOffset: -$0)
        }
        let reply = try await server.client.post("/v1/envelopes", body: Envelope.encodePacket(envelopes),
                                                 contentType: "application/x-rlp")
        #expect(reply.status == 200)
        return (server, envelopes)
    }

    func ordered(_ envelopes: [Envelope]) -> [String] {
        envelopes.sorted { EnvelopeKey(sent: $0.sentTime, hash: $0.hash) < EnvelopeKey(sent: $1.sentTime, hash: $1.hash) }
            .map { Hex.encode($0.hash.bytes, prefix: true) }
    }

    @Test func pagesConcatenateToTheWholeAnswer() async throws {
        let (server, envelopes) = try await populated()
        var seen: [String] = []
        var cursor: String? = nil
        var pages = 0
        repeat {
            let path = "/v1/envelopes?topics=0xdeadbeef&limit=4" + (cursor.map { "&cursor=\($0)" } ?? "")
            let json = try await server.client.get(path).json()
            let page = try #require(json["envelopes"] as? [[String: Any]])
            #expect(page.count <= 4)
            seen += page.compactMap { $0["hash"] as? String }
            cursor = json["cursor"] as? String
            pages += 1
        } while cursor != nil && pages < 20
        #expect(seen == ordered(envelopes.filter { $0.topic == Fixtures.topic }))
        try await server.stop()
    }

    @Test func aPageEndsAtTheByteBudgetAndItsCursorGoesOn() async throws {
        let (server, envelopes) = try await populated { $0.maximumPageBytes = 100 }
        let size = envelopes[0].encoded.count
        #expect(envelopes.allSatisfy { $0.encoded.count == size } && size <= 100)
        var seen: [String] = []
        var cursor: String? = nil
        var pages = 0
        repeat {
            let json = try await server.client.get("/v1/envelopes?limit=10" + (cursor.map { "&cursor=\($0)" } ?? "")).json()
            let page = try #require(json["envelopes"] as? [[String: Any]])
            #expect(page.count == min(100 / size, envelopes.count - seen.count))
            let receipt = try #require(json["receipt"] as? [String: Any])
            let document = try #require((receipt["document"] as? String)?.data(using: .utf8))
            let signed = try #require(try JSONSerialization.jsonObject(with: document) as? [String: Any])
            #expect((signed["count"] as? NSNumber)?.intValue == page.count)
            seen += page.compactMap { $0["hash"] as? String }
            cursor = json["cursor"] as? String
            pages += 1
        } while cursor != nil && pages < 30
        #expect(seen == ordered(envelopes))
        try await server.stop()
    }

    @Test func rlpAnswerCarriesTheCursorInAHeader() async throws {
        let (server, envelopes) = try await populated()
        let first = try await server.client.get("/v1/envelopes?limit=10", headers: ["Accept": "application/x-rlp"])
        #expect(first.status == 200 && first.headers["content-type"] == "application/x-rlp")
        let page = try Envelope.decodePacket(first.body)
        #expect(page.map { Hex.encode($0.hash.bytes, prefix: true) } == Array(ordered(envelopes).prefix(10)))
        let cursor = try #require(first.headers["mailvault-cursor"])
        let rest = try await server.client.get("/v1/envelopes?limit=1000&cursor=\(cursor)", headers: ["Accept": "application/x-rlp"])
        #expect(try Envelope.decodePacket(rest.body).count == 15)
        #expect(rest.headers["mailvault-cursor"] == "")
        try await server.stop()
    }

    @Test func timeRangeAndBloom() async throws {
        let (server, envelopes) = try await populated()
        let from = TestServer.now - 9, to = TestServer.now - 5
        let json = try await server.client.get("/v1/envelopes?from=\(from)&to=\(to)").json()
        let hashes = (json["envelopes"] as? [[String: Any]])?.compactMap { $0["hash"] as? String }
        #expect(hashes == ordered(envelopes.filter { (from...to).contains($0.sentTime) }))
        let bloom = Hex.encode(Topic(1, 2, 3, 4).bloom.bytes, prefix: true)
        let byBloom = try await server.client.get("/v1/hashes?bloom=\(bloom)&limit=1000").json()
        let entries = try #require(byBloom["hashes"] as? [[String: Any]])
        #expect(entries.compactMap { $0["hash"] as? String } == ordered(envelopes.filter { $0.topic == Topic(1, 2, 3, 4) }))
        #expect(entries.allSatisfy { $0["topic"] as? String == "0x01020304" })
        try await server.stop()
    }

    @Test func badParametersName400s() async throws {
        let (server, _) = try await populated()
        let before = try server.store.stats()
        let cases: [(String, String)] = [
            ("limit=1001", "limit"), ("limit=0", "limit"), ("from=10&to=5", "from"), ("to=4294967296", "to"),
            ("cursor=0x0102", "cursor"), ("bloom=0xff", "bloom"), ("topics=0x010203", "topics"), ("topics=nothex!", "topics"),
            ("cursor=zz", "cursor"), ("color=red", "color"),
            ("topics=" + (0...1000).map { String(format: "%08x", $0) }.joined(separator: ","), "topics"),
        ]
        for (query, parameter) in cases {
            for endpoint in ["/v1/envelopes", "/v1/hashes"] {
                let reply = try await server.client.get("\(endpoint)?\(query)")
                #expect(reply.status == 400, "\(endpoint)?\(query.prefix(40))")
                #expect(try reply.error().parameter == parameter)
            }
        }
        #expect(try server.store.stats() == before)
        try await server.stop()
    }

    @Test func lookupAndPresence() async throws {
        let (server, envelopes) = try await populated()
        let hash = Hex.encode(envelopes[3].hash.bytes, prefix: true)
        let found = try await server.client.get("/v1/envelopes/\(hash)")
        #expect(found.status == 200)
        #expect(try found.json()["data"] as? String == Hex.encode(envelopes[3].data, prefix: true))
        let raw = try await server.client.get("/v1/envelopes/\(hash)", headers: ["Accept": "application/x-rlp"])
        #expect(raw.body == Array(envelopes[3].encoded))
        let absent = try await server.client.get("/v1/envelopes/0x" + String(repeating: "00", count: 32))
        #expect(try absent.status == 404 && absent.error().code == "notFound")
        let bad = try await server.client.get("/v1/envelopes/0x1234")
        #expect(try bad.status == 400 && bad.error().parameter == "hash")

        let missing = "0x" + String(repeating: "11", count: 32)
        let presence = try await server.client.postJSON("/v1/presence", #"{"hashes":["\#(hash)","\#(missing)"]}"#)
        #expect(presence.text == #"{"present":[true,false]}"#)
        let wrongType = try await server.client.post("/v1/presence", body: Array("{}".utf8), contentType: "text/plain")
        #expect(wrongType.status == 415)
        let malformed = try await server.client.postJSON("/v1/presence", #"{"hashes":["0x12"]}"#)
        #expect(try malformed.status == 400 && malformed.error().parameter == "hashes[0]")
        try await server.stop()
    }

    @Test func unknownRoutesAndMethodsAreJSON() async throws {
        let server = try await TestServer.start()
        let missing = try await server.client.get("/v2/anything")
        #expect(try missing.status == 404 && missing.error().code == "notFound")
        let method = try await server.client.request("DELETE", "/v1/envelopes")
        #expect(method.status == 405 && method.headers["allow"] == "GET, POST")
        #expect(try method.error().code == "methodNotAllowed")
        let lookup = try await server.client.request("POST", "/v1/envelopes/0x00")
        #expect(lookup.status == 405 && lookup.headers["allow"] == "GET")
        #expect(try await server.client.get("/v1/provider?x=1").error().code == "unknownParameter")
        try await server.stop()
    }
}
