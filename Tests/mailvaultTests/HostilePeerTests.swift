import Foundation
import Hummingbird
import MailvaultAccountability
import MailvaultCore
import NIOCore
import Synchronization
import Testing

/// A node peered with a hostile peer: a harness that speaks the sync protocol and lies in it.
/// The node stays healthy, stores nothing invalid, and reports the peer.
@Suite("hostile peer", .serialized)
struct HostilePeerTests {
    @Test func aHostilePeerIsSurvivedAndReported() async throws {
        let harness = try await HostilePeer.start()
        defer { harness.stop() }
        let cluster = try Cluster(count: 1)
        defer { cluster.stop() }
        // The node demands PoW 0.5: the harness's envelopes have next to none.
        try await cluster.start(links: [], extra: [0: ["--peer", "http://127.0.0.1:\(harness.port)", "--sync-interval", "1",
                                                        "--min-pow", "0.5"]])
        // Every behaviour comes round (the node backs off, doubling from 1 s, after each failure).
        let turns = HostilePeer.Behaviour.allCases.count + 1
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, harness.served.load(ordering: .relaxed) < turns {
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(harness.served.load(ordering: .relaxed) >= turns)
        // Healthy: it answers, takes posts from clients, and stored nothing the peer sent.
        let (health, _) = try await cluster.request(0, "GET", "/health", contentType: nil, body: [])
        #expect(health == 200)
        let stats = try await cluster.json(0, "/v1/stats")
        #expect(stats["envelopes"] as? Int == 0)
        // Reported: errors on the peer, with the last one's reason.
        let peers = try await cluster.json(0, "/v1/peers")
        let peer = try #require((peers["peers"] as? [[String: Any]])?.first)
        #expect((peer["errors"] as? Int ?? 0) > 0)
        #expect(peer["lastError"] is String)
        let (metricsStatus, _) = try await cluster.request(0, "GET", "/metrics", contentType: nil, body: [])
        #expect(metricsStatus == 200)
        // Every fetch the node made asked for at most the protocol's batch.
        #expect(harness.largestFetch.load(ordering: .relaxed) <= 1000)
    }
}

/// A peer that verifies (a real signed descriptor) and then misbehaves in turn: answers that are
/// garbage, too large, inverted, lying about what it holds (ids of envelopes that are low-PoW,
/// malformed, or never asked for), and stalls longer than the node waits.
final class HostilePeer: Sendable {
    enum Behaviour: Int, CaseIterable {
        case garbage, oversized, inverted, claimsLowPoW, stalls
    }

    let port: Int
    let served = Atomic<Int>(0)
    let largestFetch = Atomic<Int>(0)
    private let task: Task<Void, any Error>

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    func stop() { task.cancel() }

    static func start() async throws -> HostilePeer {
        let key = ProviderKey.generate()
        let lowPoW = (0..<3).map { index in
            Envelope(expiry: UInt32(Date().timeIntervalSince1970) + 600, ttl: 600, topic: Topic(1, 2, 3, 4),
                     data: [UInt8(index)], nonce: 0)
        }
        let counter = Atomic<Int>(0)
        let largest = Atomic<Int>(0)
        let router = Router()
        router.get("/v1/provider") { _, _ -> Response in
            let now = UInt32(Date().timeIntervalSince1970)
            let body = ProviderDescriptor(
                publicKey: Hex.encode(key.publicKey, prefix: true), address: key.address.description, software: "hostile/1",
                endpoints: [], minimumPoW: 0, maximumEnvelopeSize: 1 << 20,
                retention: .init(maximumAge: 86_400 * 30, tiers: [], maximumBytes: nil),
                limits: .init(maximumPageSize: 1000, maximumTopics: 100, maximumBatch: 1000, maximumBodyBytes: 1 << 20,
                              ingestRate: 0, ingestBurst: 1, queryRate: 0, queryBurst: 1, maximumConcurrentQueries: 1),
                coverage: Coverage(from: 0, maximumAge: 86_400 * 30, minimumPoW: 0, newestIngest: nil, gaps: []),
                benchmark: nil, sequence: 1, issuedAt: now, expires: now + 3600)
            let document = SignedDocument(kind: "descriptor", document: SignedDocument.encode(body), key: key)
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: document.json)))
        }
        router.post("/v1/sync/negentropy") { _, _ -> Response in
            let turn = counter.add(1, ordering: .relaxed).newValue
            let behaviour = Behaviour(rawValue: turn % Behaviour.allCases.count)!
            var bytes: [UInt8]
            switch behaviour {
            case .garbage:
                bytes = (0..<64).map { _ in UInt8.random(in: 0...255) }
                bytes[0] = 0x61
            case .oversized:
                bytes = [0x61] + Array(repeating: 0x01, count: 2 << 20)
            case .inverted:
                bytes = [0x61, 0x0b, 0x01, 0x05, 0x00, 0x01, 0x00, 0x00]
            case .claimsLowPoW:
                // One IdList over everything: the low-PoW envelopes and ids of nothing at all.
                let ids = lowPoW.map(\.hash) + (0..<5).map { _ in Hash256(w0: .random(in: 0...UInt64.max), w1: 1, w2: 2, w3: 3) }
                bytes = [0x61, 0x00, 0x00, 0x02, UInt8(ids.count)]
                for id in ids { bytes += id.bytes }
            case .stalls:
                try await Task.sleep(for: .seconds(8))
                bytes = [0x61]
            }
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"],
                            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.post("/v1/sync/envelopes") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            largest.store(max(largest.load(ordering: .relaxed), body.readableBytes / 32), ordering: .relaxed)
            // Low-PoW envelopes, one never asked for, then a malformed item.
            let unasked = Envelope(expiry: UInt32(Date().timeIntervalSince1970) + 600, ttl: 600, topic: Topic(9, 9, 9, 9),
                                   data: [9], nonce: 9)
            var bytes = Envelope.encodePacket(lowPoW)
            if Bool.random() { bytes = Envelope.encodePacket(lowPoW + [unasked]) }
            if Bool.random() { bytes = [0xc3, 0x01, 0x02, 0x03] }
            return Response(status: .ok, headers: [.contentType: "application/x-rlp"],
                            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("/v1/sync/live") { _, _ -> Response in
            // Announces a key it does not serve, then never another byte.
            let key = EnvelopeKey(sent: UInt32(Date().timeIntervalSince1970), hash: Hash256(w0: 7, w1: 7, w2: 7, w3: 7))
            return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: .init { writer in
                try await writer.write(ByteBuffer(bytes: Array("event: keys\ndata: \(key)\n\n".utf8)))
                try await Task.sleep(for: .seconds(3600))
            })
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                      onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) })
        let task = Task { try await application.runService() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CLIFailure("the hostile peer did not start") }
        let peer = HostilePeer(port: port, task: task)
        // Count turns as they are served.
        Task {
            while !task.isCancelled {
                peer.served.store(counter.load(ordering: .relaxed), ordering: .relaxed)
                peer.largestFetch.store(largest.load(ordering: .relaxed), ordering: .relaxed)
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        return peer
    }
}
