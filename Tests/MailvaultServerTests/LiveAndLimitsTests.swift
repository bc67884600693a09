import Foundation
import MailvaultCore
import MailvaultServer
import MailvaultStore
import Testing

@Suite("Live push, limits, operations")
struct LiveAndLimitsTests {
    @Test func subscriberReceivesWhatIsStoredAfterItSubscribed() async throws {
        let server = try await TestServer.start()
        let stream = try await server.client.subscribe("/v1/subscribe?topics=0xdeadbeef")
        defer { stream.close() }
        let other = Fixtures.envelope(1, topic: Topic(9, 9, 9, 9))
        let wanted = Fixtures.envelope(2)
        _ = try await server.client.post("/v1/envelopes", body: Envelope.encodePacket([other, wanted]),
                                         contentType: "application/x-rlp")
        let data = try #require(try await stream.nextData())
        let event = try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
        #expect(event["hash"] as? String == Hex.encode(wanted.hash.bytes, prefix: true))
        // A duplicate is not pushed again; the next event is the next new envelope.
        let later = Fixtures.envelope(3)
        _ = try await server.client.post("/v1/envelopes", body: Envelope.encodePacket([wanted, later]),
                                         contentType: "application/x-rlp")
        let next = try #require(try await stream.nextData())
        #expect(next.contains(Hex.encode(later.hash.bytes, prefix: true)))
        try await server.stop()
    }

    @Test func badSubscriptionParametersAre400() async throws {
        let server = try await TestServer.start()
        let reply = try await server.client.get("/v1/subscribe?limit=3")
        #expect(try reply.status == 400 && reply.error().code == "unknownParameter")
        let bloom = try await server.client.get("/v1/subscribe?bloom=0x00")
        #expect(try bloom.status == 400 && bloom.error().parameter == "bloom")
        try await server.stop()
    }

    @Test func rateLimitAnswers429WithRetryAfter() async throws {
        let server = try await TestServer.start {
            $0.queryRate = RateLimit(perSecond: 0.01, burst: 2)
            $0.ingestRate = RateLimit(perSecond: 0.01, burst: 1)
        }
        #expect(try await server.client.get("/v1/envelopes").status == 200)
        #expect(try await server.client.get("/v1/hashes").status == 200)
        let limited = try await server.client.get("/v1/envelopes")
        #expect(limited.status == 429)
        #expect(Int(limited.headers["retry-after"] ?? "") ?? 0 >= 1)
        #expect(try limited.error().code == "rateLimited")
        // Ingest has a budget of its own.
        let body = Envelope.encodePacket([Fixtures.envelope(1)])
        #expect(try await server.client.post("/v1/envelopes", body: body, contentType: "application/x-rlp").status == 200)
        let second = try await server.client.post("/v1/envelopes", body: Envelope.encodePacket([Fixtures.envelope(2)]),
                                                  contentType: "application/x-rlp")
        #expect(second.status == 429)
        #expect(try server.store.presence(of: [Fixtures.envelope(2).hash]) == [false])
        let metrics = try await server.client.get("/metrics").text
        #expect(metrics.contains(#"mailvault_rate_limited_total{class="query"} 1"#))
        #expect(metrics.contains(#"mailvault_rate_limited_total{class="ingest"} 1"#))
        try await server.stop()
    }

    /// Behind a proxy, the bucket is the entry the proxy appended (the last), not one the client
    /// wrote itself.
    @Test func forwardedForCountsTheProxysEntry() async throws {
        let server = try await TestServer.start {
            $0.trustForwardedFor = true
            $0.queryRate = RateLimit(perSecond: 0.01, burst: 1)
        }
        let first = try await server.client.get("/v1/stats", headers: ["X-Forwarded-For": "1.1.1.1, 203.0.113.7"])
        let forged = try await server.client.get("/v1/stats", headers: ["X-Forwarded-For": "2.2.2.2, 203.0.113.7"])
        let other = try await server.client.get("/v1/stats", headers: ["X-Forwarded-For": "1.1.1.1, 203.0.113.8"])
        let statuses: [Int] = [first.status, forged.status, other.status]
        #expect(statuses == [200, 429, 200])
        try await server.stop()
    }

    @Test func oneClientCannotHoldEverySubscription() async throws {
        // No keep-alive within the test: only noticing the closed connection frees the slot.
        let server = try await TestServer.start {
            $0.maximumSubscribersPerClient = 1
            $0.keepAliveInterval = 3600
        }
        let stream = try await server.client.subscribe("/v1/subscribe")
        let second = try await server.client.get("/v1/subscribe")
        #expect(second.status == 503)
        #expect(try second.error().code == "subscriptionsFull")
        stream.close()
        // The client's share is free again as soon as the server sees the connection close.
        var freed = false
        for _ in 0..<50 where !freed {
            try await Task.sleep(for: .milliseconds(100))
            let metrics = try await server.client.get("/metrics").text
            freed = metrics.contains("mailvault_subscribers 0")
        }
        #expect(freed)
        let again = try await server.client.subscribe("/v1/subscribe")
        again.close()
        try await server.stop()
    }

    @Test func statsHealthAndMetrics() async throws {
        let server = try await TestServer.start()
        _ = try await server.client.post("/v1/envelopes", body: Envelope.encodePacket([Fixtures.envelope(1), Fixtures.envelope(2)]),
                                         contentType: "application/x-rlp")
        _ = try await server.client.get("/v1/envelopes?topics=0xdeadbeef")
        let stats = try await server.client.get("/v1/stats").json()
        #expect((stats["envelopes"] as? NSNumber)?.intValue == 2)
        #expect(try await server.client.get("/health").text == #"{"status":"ok"}"#)
        let metrics = try await server.client.get("/metrics")
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        for line in ["mailserver_envelopes_total 2", #"mailserver_archived_envelopes_total{db="lmdb"} 2"#,
                     #"mailserver_envelope_queries_total{filter="topics",history="true"} 1"#, "mailvault_store_envelopes 2.0"] {
            #expect(metrics.text.contains(line), "\(line)")
        }
        #expect(metrics.text.contains("mailvault_request_duration_seconds_bucket"))
        try await server.stop()
    }

    /// Many ingests in flight when graceful shutdown starts: every one acknowledged as stored is
    /// in the store when it is opened again.
    @Test func gracefulShutdownKeepsEveryAcknowledgedWrite() async throws {
        let server = try await TestServer.start()
        let client = server.client
        let acknowledged = try await withThrowingTaskGroup(of: [String].self) { group in
            for batch in 0..<16 {
                group.addTask {
                    let envelopes = (0..<50).map { Fixtures.envelope(batch * 1000 + $0, size: 512) }
                    guard let reply = try? await client.post("/v1/envelopes", body: Envelope.encodePacket(envelopes),
                                                             contentType: "application/x-rlp"),
                          reply.status == 200, let results = try? reply.json()["results"] as? [[String: Any]] else {
                        return []
                    }
                    return results.filter { $0["status"] as? String == "stored" }.compactMap { $0["hash"] as? String }
                }
            }
            try await Task.sleep(for: .milliseconds(30))
            try await server.stop(removing: false)
            var all: [String] = []
            for try await hashes in group { all += hashes }
            return all
        }
        let reopened = try EnvelopeStore.open(at: server.directory)
        let hashes = try acknowledged.map { try Hash256(hex: $0) }
        #expect(try reopened.presence(of: hashes).allSatisfy { $0 })
        reopened.close()
        try? FileManager.default.removeItem(atPath: server.directory)
    }

    @Test func shutdownEndsOpenSubscriptions() async throws {
        let server = try await TestServer.start()
        let stream = try await server.client.subscribe("/v1/subscribe")
        try await server.stop()
        #expect(try await stream.nextData(timeout: 5) == nil)
        stream.close()
    }
}
