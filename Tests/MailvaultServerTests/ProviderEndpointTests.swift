import Foundation
import Logging
import MailvaultAccountability
import MailvaultCore
@testable import MailvaultServer
import MailvaultStore
import Synchronization
import Testing

@Suite("Accountability endpoints: descriptor, receipts, checkpoints")
struct ProviderEndpointTests {
    func signed(_ object: Any?) throws -> SignedDocument {
        let dictionary = try #require(object as? [String: Any])
        let document = try SignedDocument(object: dictionary)
        try document.verify()
        return document
    }

    /// A server configuration whose data directory is new and empty (the caller removes it).
    static func configurationInFreshDirectory() throws -> ServerConfiguration {
        let directory = NSTemporaryDirectory() + "mailvault-provider-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = ServerConfiguration()
        configuration.dataDirectory = directory
        return configuration
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

    /// Receipts asked for before a flush are signed together: one signature, a path each, and
    /// every one verifies on its own.
    @Test func receiptsQueuedTogetherShareOneSignature() async throws {
        let key = try ProviderKey(secret: Array(repeating: 5, count: 32))
        let flushes = Mutex<[@Sendable () -> Void]>([])
        let sizes = Mutex<[Int]>([])
        let signer = ReceiptSigner(key: key, schedule: { flush in flushes.withLock { $0.append(flush) } },
                                   batchSizes: { size in sizes.withLock { $0.append(size) } })
        let count = 9
        let documents = try await withThrowingTaskGroup(of: SignedDocument.self) { group in
            for index in 0..<count {
                group.addTask { await signer.sign(kind: "receipt", document: Array("{\"page\":\(index)}".utf8)) }
            }
            while signer.queued < count { try await Task.sleep(for: .milliseconds(1)) }
            let scheduled = flushes.withLock { $0 }
            #expect(scheduled.count == 1)
            scheduled.forEach { $0() }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(sizes.withLock { $0 } == [count])
        #expect(Set(documents.map(\.signature)).count == 1)
        #expect(Set(documents.map(\.document)).count == count)
        for document in documents {
            #expect(!document.path.isEmpty)
            try document.verify()
            #expect(document.signer == key.address)
        }
    }

    /// A provider that leaves a topic out of its answers signs receipts that prove it.
    @Test func withheldEnvelopeBecomesEvidence() async throws {
        let dropped = Topic(9, 9, 9, 9)
        let server = try await TestServer.start { $0.faultDropTopic = dropped }
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

    /// Downtime longer than a checkpoint interval is recorded as a coverage gap on restart.
    @Test func restartAfterDowntimeRecordsAGap() throws {
        var configuration = try Self.configurationInFreshDirectory()
        let directory = configuration.dataDirectory
        defer { try? FileManager.default.removeItem(atPath: directory) }
        configuration.checkpointInterval = 60
        let key = ProviderKey.generate()
        let first = ProviderState(configuration: configuration, key: key, now: 1_000_000, logger: Logger(label: "t"))
        first.stopped(at: 1_000_100)
        let second = ProviderState(configuration: configuration, key: key, now: 1_005_000, logger: Logger(label: "t"))
        #expect(second.coverage.gaps == [[1_000_100, 1_005_000]])
        #expect(second.coverage.from == 1_000_000)
        #expect(!second.coverage.covers(sent: 1_002_000, at: 1_005_000))
        let third = ProviderState(configuration: configuration, key: key, now: 1_005_030, logger: Logger(label: "t"))
        #expect(third.coverage.gaps.count == 1)
    }

    /// Checkpoints older than the longest retention age (a tier's here) are dropped once a day's
    /// worth has expired, from memory and from the file, and the rest reload intact.
    @Test func checkpointsOlderThanRetentionArePruned() throws {
        var configuration = try Self.configurationInFreshDirectory()
        let directory = configuration.dataDirectory
        defer { try? FileManager.default.removeItem(atPath: directory) }
        configuration.store.retention = RetentionPolicy(maximumAge: 3_600, tiers: [RetentionTier(minimumPoW: 1, maximumAge: 7_200)])
        let store = try EnvelopeStore.open(at: directory + "/store")
        defer { store.close() }
        let key = ProviderKey.generate()
        let start = TestServer.now
        let state = ProviderState(configuration: configuration, key: key, now: start, logger: Logger(label: "t"))
        #expect(state.checkpointRetention == 7_200)
        let path = directory + "/checkpoints.jsonl"
        func lines() throws -> Int {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count
        }
        func kept(_ state: ProviderState) throws -> [Checkpoint] {
            try state.checkpoints(from: 0, to: .max, limit: 1000).map { try $0.decode(Checkpoint.self) }
        }
        // One checkpoint an hour. The first ends at hour 1; pruning waits until it is a day
        // older than the cutoff (now - 7,200 s), which first happens at hour 28.
        for hour in UInt32(1)...27 { try state.checkpoint(store: store, now: start + hour * 3_600) }
        #expect(try lines() == 27)
        try state.checkpoint(store: store, now: start + 28 * 3_600)
        // Cutoff at hour 26: the checkpoints that ended before it (hours 1-25) are gone.
        #expect(try kept(state).map(\.to) == [26, 27, 28].map { start + $0 * 3_600 })
        #expect(try lines() == 3)
        for hour in UInt32(29)...48 { try state.checkpoint(store: store, now: start + hour * 3_600) }
        #expect(try lines() == 23)
        let reloaded = ProviderState(configuration: configuration, key: key, now: start + 48 * 3_600 + 1, logger: Logger(label: "t"))
        let checkpoints = try kept(reloaded)
        #expect(checkpoints.count == 23)
        #expect(checkpoints.first?.from == start + 25 * 3_600 + 1)
        #expect(zip(checkpoints, checkpoints.dropFirst()).allSatisfy { $0.to + 1 == $1.from })
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
    }

    /// A line left unfinished by a crash (or a full disk) does not swallow the next checkpoint.
    @Test func checkpointsSurviveATornLastLine() throws {
        let configuration = try Self.configurationInFreshDirectory()
        let directory = configuration.dataDirectory
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("{\"kind\":\"checkpoint\",\"docu".utf8).write(to: URL(fileURLWithPath: directory + "/checkpoints.jsonl"))
        let store = try EnvelopeStore.open(at: directory + "/store")
        defer { store.close() }
        _ = try store.ingestAndWait([Fixtures.envelope(1, sentOffset: 5)])
        let key = ProviderKey.generate()
        let state = ProviderState(configuration: configuration, key: key, now: TestServer.now, logger: Logger(label: "t"))
        try state.checkpoint(store: store, now: TestServer.now + 10)
        let reloaded = ProviderState(configuration: configuration, key: key, now: TestServer.now + 11, logger: Logger(label: "t"))
        let documents = reloaded.checkpoints(from: 0, to: .max, limit: 10)
        #expect(documents.count == 1)
        #expect(try documents.first?.decode(Checkpoint.self).count == 1)
    }
}
