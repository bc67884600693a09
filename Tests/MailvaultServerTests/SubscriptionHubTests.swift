import MailvaultAPI
import MailvaultCore
import MailvaultNode
@testable import MailvaultServer
import NIOCore
import NIOPosix
import Testing

@Suite("Live push: the subscription hub")
struct SubscriptionHubTests {
    func hub(capacity: Int = 10, perClient: Int = 10, buffer: Int = 16) -> (SubscriptionHub, ServerMetrics) {
        let metrics = ServerMetrics()
        return (SubscriptionHub(capacity: capacity, perClient: perClient, bufferSize: buffer, metrics: metrics), metrics)
    }

    func connection() -> EventLoopPromise<Void> {
        MultiThreadedEventLoopGroup.singleton.next().makePromise()
    }

    func stored(_ index: Int, topic: Topic) -> StoredEnvelope {
        let envelope = Envelope(expiry: 1_000 + 50, ttl: 50, topic: topic, data: [UInt8(index)], nonce: UInt64(index))
        return StoredEnvelope(envelope: envelope, hash: envelope.hash, pow: 1)
    }

    /// Reads `count` chunks, after the greeting.
    func read(_ events: SubscriptionHub.Events, count: Int) async -> [String] {
        var chunks: [String] = []
        for await chunk in events {
            chunks.append(String(decoding: chunk, as: UTF8.self))
            if chunks.count == count + 1 { break }
        }
        return Array(chunks.dropFirst())
    }

    @Test func eachSubscriberGetsWhatItsFilterMatches() async throws {
        let (hub, _) = hub()
        let wanted = Topic(1, 2, 3, 4), other = Topic(5, 6, 7, 8)
        let closed = connection()
        defer { closed.succeed() }
        let topics = try #require(hub.subscribe(LiveFilter(topics: [wanted]), client: "a", until: closed.futureResult))
        let everything = try #require(hub.subscribe(LiveFilter(), client: "b", until: closed.futureResult))
        hub.publish([stored(1, topic: other), stored(2, topic: wanted)])
        let first = await read(topics, count: 1)
        #expect(first.count == 1 && first[0].hasPrefix("event: envelope\ndata: ") && first[0].contains("\"topic\":\"0x01020304\""))
        let both = await read(everything, count: 2)
        #expect(both.count == 2 && both[0].contains("0x05060708") && both[1].contains("0x01020304"))
    }

    @Test func capacityAndPerClientSharesAreEnforced() throws {
        let (hub, _) = hub(capacity: 3, perClient: 2)
        let closed = connection()
        defer { closed.succeed() }
        // Held for the whole test: a stream that is let go ends its subscription.
        let held = ["a", "a", "a", "b", "c"].map { hub.subscribe(LiveFilter(), client: $0, until: closed.futureResult) }
        #expect(held.map { $0 != nil } == [true, true, false, true, false])
    }

    @Test func aClosedConnectionFreesItsSlotAtOnce() async throws {
        let (hub, _) = hub(capacity: 1)
        let first = connection()
        let events = try #require(hub.subscribe(LiveFilter(), client: "a", until: first.futureResult))
        let refused = connection()
        #expect(hub.subscribe(LiveFilter(), client: "b", until: refused.futureResult) == nil)
        refused.succeed()
        first.succeed()
        for await _ in events {}
        let second = connection()
        defer { second.succeed() }
        var slot: SubscriptionHub.Events?
        for _ in 0..<100 where slot == nil {
            slot = hub.subscribe(LiveFilter(), client: "b", until: second.futureResult)
            if slot == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(slot != nil)
    }

    @Test func aSubscriberThatFallsBehindIsDroppedNotWaitedFor() async throws {
        let (hub, metrics) = hub(buffer: 2)
        let closed = connection()
        defer { closed.succeed() }
        let events = try #require(hub.subscribe(LiveFilter(), client: "a", until: closed.futureResult))
        // The greeting and one event fill the buffer; the next event ends the subscription.
        hub.publish((0..<5).map { stored($0, topic: Topic(1, 1, 1, 1)) })
        var received = 0
        for await _ in events { received += 1 }
        #expect(received == 2)
        #expect(String(decoding: metrics.exposition(), as: UTF8.self).contains("mailvault_subscribers_dropped_total 1"))
    }

    @Test func closingTheHubEndsEveryStreamAndRefusesNewOnes() async throws {
        let (hub, _) = hub()
        let closed = connection()
        defer { closed.succeed() }
        let events = try #require(hub.subscribe(LiveFilter(), client: "a", until: closed.futureResult))
        hub.close()
        var chunks = 0
        for await _ in events { chunks += 1 }
        #expect(chunks == 1)
        #expect(hub.subscribe(LiveFilter(), client: "a", until: closed.futureResult) == nil)
    }

    @Test func theHubHearsOfStoredEnvelopesFromTheIngestPipeline() async throws {
        let (hub, _) = hub()
        let closed = connection()
        defer { closed.succeed() }
        let events = try #require(hub.subscribe(LiveFilter(), client: "a", until: closed.futureResult))
        var report = IngestReport(received: 2)
        report.stored = [stored(7, topic: Topic(2, 2, 2, 2))]
        hub.observe(report, now: 1_000)
        let chunks = await read(events, count: 1)
        #expect(chunks.first?.contains("0x02020202") == true)
    }
}
