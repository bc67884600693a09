import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MailvaultAccountability
import MailvaultCore
import MailvaultTestSupport
import Testing

/// Delivery from real `mailvault serve` processes to a real receiver on 127.0.0.1
/// (Tests/PushReceiver/push_receiver.py: a gorush-compatible endpoint, a Web Push service that
/// verifies VAPID with py-vapid and decrypts with http-ece, and a webhook endpoint that verifies
/// with standardwebhooks). Every wait is bounded; no URL outside loopback appears.
@Suite("push delivery", .serialized)
struct PushDeliveryTests {
    /// The receiver: a Python process on a free loopback port, its records and control files in
    /// a directory of its own.
    final class Receiver: @unchecked Sendable {
        let port: Int
        let directory: String
        private var process: Process?

        init() throws {
            port = try Loopback.freePort()
            directory = NSTemporaryDirectory() + "mailvault-push-receiver-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }

        var url: String { "http://127.0.0.1:\(port)" }

        func start() async throws {
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("PushReceiver/push_receiver.py").path
            // The receiver checks with PyPI's standardwebhooks, http-ece and py-vapid, which
            // Scripts/setup installs in .venv-tools.
            let python = URL(fileURLWithPath: script).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".venv-tools/bin/python3").path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [script, "\(port)", directory]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            self.process = process
            // "ready" once it listens; bounded by the read returning at exit too.
            let handle = out.fileHandleForReading
            let line = await OffPool.run { handle.availableData }
            guard String(decoding: line, as: UTF8.self).contains("ready") else { throw CLIFailure("the receiver did not start") }
        }

        func stop() {
            guard let process else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            self.process = nil
        }

        func set(_ name: String, _ value: String?) throws {
            let path = directory + "/" + name
            if let value { try value.write(toFile: path, atomically: true, encoding: .utf8) } else { try? FileManager.default.removeItem(atPath: path) }
        }

        var requests: [[String: Any]] {
            let text = (try? String(contentsOfFile: directory + "/requests.jsonl", encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        }

        /// Waits up to `seconds` for a request that satisfies `condition`.
        func waitFor(within seconds: Double, _ what: String, _ condition: ([String: Any]) -> Bool) async throws -> [String: Any] {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if let found = requests.first(where: condition) { return found }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw CLIFailure("no \(what) within \(seconds) s; received \(requests.count) requests")
        }

        deinit {
            stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    static func body(_ request: [String: Any]) -> [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(((request["body"] as? String) ?? "").utf8))) as? [String: Any]) ?? [:]
    }

    static func envelope(topic: Topic, _ tag: String) -> (Envelope, String) {
        let now = UInt32(Date().timeIntervalSince1970)
        let envelope = Envelope(expiry: now + 3600, ttl: 3600, topic: topic, data: Array("push \(tag) \(UUID().uuidString)".utf8), nonce: 1)
        return (envelope, Keccak256.hash(envelope.encoded).description)
    }

    static let topic = Topic(0xfe, 0xde, 0x00, 0x01)

    func node(_ receiver: Receiver, extra: [String] = []) async throws -> Cluster {
        let cluster = try Cluster(count: 1)
        try await cluster.start(links: [], extra: [0: ["--push-allow-host", "127.0.0.1", "--gorush-url", receiver.url,
                                                       "--push-retry-base", "0.2"] + extra])
        return cluster
    }

    func registerWebhook(_ cluster: Cluster, _ receiver: Receiver, key: ProviderKey, name: String = "hook") async throws -> String {
        let target = #"{"webhook":{"url":"\#(receiver.url)/hook"}}"#
        let document = PushRegistrationTests.document(name: name, version: 1, topics: [Self.topic.description], target: target)
        let (code, answer) = try await PushRegistrationTests.post(cluster, PushRegistrationTests.signed(document, key: key))
        guard code == 201, let secret = answer["secret"] as? String else { throw CLIFailure("registration: \(code) \(answer)") }
        try receiver.set("secret", secret)
        return answer["id"] as? String ?? ""
    }

    @Test func webhookDeliveredSignedWithAStableID() async throws {
        let receiver = try Receiver()
        try await receiver.start()
        let cluster = try await node(receiver)
        defer { cluster.stop() }
        _ = try await registerWebhook(cluster, receiver, key: ProviderKey.generate())
        let (envelope, hash) = Self.envelope(topic: Self.topic, "webhook")
        try await cluster.post(to: 0, [envelope])
        let request = try await receiver.waitFor(within: 20, "signed webhook") { $0["verified"] as? Bool == true }
        let body = Self.body(request)
        #expect(body["hash"] as? String == hash && body["topic"] as? String == Self.topic.description)
        #expect(body["sent"] as? Int == Int(envelope.expiry - envelope.ttl))
        #expect((request["headers"] as? [String: Any])?["webhook-id"] as? String == body["id"] as? String)
        // An envelope on another topic notifies no one.
        let (other, _) = Self.envelope(topic: Topic(1, 2, 3, 4), "other")
        try await cluster.post(to: 0, [other])
        try await Task.sleep(for: .seconds(1))
        #expect(receiver.requests.count == 1)
        let metrics = try await Self.metrics(cluster)
        #expect(metrics.contains("mailvault_push_delivered_total{target=\"webhook\"} 1"), "\(metrics)")
    }

    @Test func gorushBatchesTokensAndAnInvalidTokenRemovesItsRegistration() async throws {
        let receiver = try Receiver()
        try await receiver.start()
        let cluster = try await node(receiver)
        defer { cluster.stop() }
        var ids: [String: String] = [:]
        for token in ["tok-a", "tok-b", "tok-c", "invalid-d"] {
            let key = ProviderKey.generate()
            let target = #"{"gorush":{"token":"\#(token)","platform":"android"}}"#
            let document = PushRegistrationTests.document(name: "phone", version: 1, topics: [Self.topic.description], target: target)
            let (code, answer) = try await PushRegistrationTests.post(cluster, PushRegistrationTests.signed(document, key: key))
            #expect(code == 201, "\(answer)")
            ids[token] = answer["id"] as? String
        }
        let (envelope, hash) = Self.envelope(topic: Self.topic, "gorush")
        try await cluster.post(to: 0, [envelope])
        let request = try await receiver.waitFor(within: 20, "gorush request") { $0["path"] as? String == "/api/push" }
        let notifications = Self.body(request)["notifications"] as? [[String: Any]] ?? []
        #expect(notifications.count == 1, "one envelope, one platform: one notification object")
        #expect(Set(notifications.first?["tokens"] as? [String] ?? []) == ["tok-a", "tok-b", "tok-c", "invalid-d"])
        #expect(notifications.first?["platform"] as? Int == 2)
        #expect(((notifications.first?["data"] as? [String: Any])?["hash"] as? String) == hash)
        let deadline = Date().addingTimeInterval(10)
        var status = 200
        while Date() < deadline, status != 404 {
            (status, _) = try await cluster.request(0, "GET", "/v1/push/registrations/\(ids["invalid-d"] ?? "")", contentType: nil, body: [])
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status == 404, "the invalid token's registration was not removed")
        let (kept, _) = try await cluster.request(0, "GET", "/v1/push/registrations/\(ids["tok-a"] ?? "")", contentType: nil, body: [])
        #expect(kept == 200)
        try await Task.sleep(for: .seconds(1))
        #expect(receiver.requests.count == 1, "a delivered batch is not sent again")
    }

    @Test func goneEndpointRemovesTheRegistration() async throws {
        let receiver = try Receiver()
        try await receiver.start()
        let cluster = try await node(receiver)
        defer { cluster.stop() }
        let id = try await registerWebhook(cluster, receiver, key: ProviderKey.generate())
        try receiver.set("status", "410")
        try await cluster.post(to: 0, [Self.envelope(topic: Self.topic, "gone").0])
        _ = try await receiver.waitFor(within: 20, "attempt") { $0["path"] as? String == "/hook" }
        let deadline = Date().addingTimeInterval(10)
        var status = 200
        while Date() < deadline, status != 404 {
            (status, _) = try await cluster.request(0, "GET", "/v1/push/registrations/\(id)", contentType: nil, body: [])
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status == 404)
    }

    @Test func webPushIsEncryptedToTheSubscriptionAndAuthorisedWithVAPID() async throws {
        let receiver = try Receiver()
        try await receiver.start()
        let cluster = try await node(receiver)
        defer { cluster.stop() }
        // The subscription the receiver made, as a browser hands it to an app.
        let subscription = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: receiver.directory + "/subscription.json"))) as? [String: String])
        let target = #"{"webPush":{"endpoint":"\#(receiver.url)/wp/sub-1","p256dh":"\#(subscription["p256dh"] ?? "")","auth":"\#(subscription["auth"] ?? "")"}}"#
        let document = PushRegistrationTests.document(name: "browser", version: 1, topics: [Self.topic.description], target: target)
        let (code, answer) = try await PushRegistrationTests.post(cluster, PushRegistrationTests.signed(document, key: ProviderKey.generate()))
        #expect(code == 201, "\(answer)")
        let (envelope, hash) = Self.envelope(topic: Self.topic, "webpush")
        try await cluster.post(to: 0, [envelope])
        // verified: py-vapid accepts the token for this origin and http-ece decrypts the body.
        let request = try await receiver.waitFor(within: 20, "Web Push") { $0["path"] as? String == "/wp/sub-1" }
        #expect(request["verified"] as? Bool == true, "\(request["reason"] ?? "")")
        let plaintext = ((try? JSONSerialization.jsonObject(with: Data(((request["plaintext"] as? String) ?? "").utf8))) as? [String: Any]) ?? [:]
        #expect(plaintext["hash"] as? String == hash && plaintext["topic"] as? String == Self.topic.description)
        #expect(plaintext["sent"] as? Int == Int(envelope.expiry - envelope.ttl) && (plaintext["id"] as? String)?.count == 32)
        #expect(Set(plaintext.keys) == ["hash", "id", "sent", "topic"], "a notification carries no payload")
        // The key that signed is the one the node offers apps as applicationServerKey.
        let (_, offer) = try await cluster.request(0, "GET", "/v1/push", contentType: nil, body: [])
        let key = try #require(offer["vapidPublicKey"] as? String)
        let authorization = (request["headers"] as? [String: Any])?["authorization"] as? String ?? ""
        #expect(authorization.hasSuffix("k=\(key)"), "\(authorization)")
        #expect((offer["targets"] as? [String]) == ["gorush", "webPush", "webhook"])
    }

    @Test func aBatchingWindowSendsItsNotificationsInOneSignedRequest() async throws {
        let receiver = try Receiver()
        try await receiver.start()
        let cluster = try await node(receiver, extra: ["--push-batch-window", "3"])
        defer { cluster.stop() }
        _ = try await registerWebhook(cluster, receiver, key: ProviderKey.generate())
        let envelopes = (0..<3).map { Self.envelope(topic: Self.topic, "batch \($0)") }
        try await cluster.post(to: 0, envelopes.map(\.0))
        let request = try await receiver.waitFor(within: 20, "batched webhook") { $0["verified"] as? Bool == true }
        let batch = Self.body(request)["notifications"] as? [[String: Any]] ?? []
        #expect(Set(batch.compactMap { $0["hash"] as? String }) == Set(envelopes.map(\.1)), "\(request)")
        #expect((request["headers"] as? [String: Any])?["webhook-id"] as? String == batch.first?["id"] as? String)
        try await Task.sleep(for: .seconds(1))
        #expect(receiver.requests.count == 1, "one window, one request")
    }

    @Test func aRedirectIsNeverFollowed() async throws {
        let receiver = try Receiver()
        try await receiver.start()
        let cluster = try await node(receiver)
        defer { cluster.stop() }
        _ = try await registerWebhook(cluster, receiver, key: ProviderKey.generate())
        try receiver.set("status", "307")
        try receiver.set("location", receiver.url + "/elsewhere")
        try await cluster.post(to: 0, [Self.envelope(topic: Self.topic, "redirect").0])
        _ = try await receiver.waitFor(within: 20, "attempt") { $0["path"] as? String == "/hook" }
        try await Task.sleep(for: .seconds(2))
        #expect(!receiver.requests.contains { $0["path"] as? String == "/elsewhere" })
        let metrics = try await Self.metrics(cluster)
        #expect(metrics.contains("mailvault_push_failed_total{reason=\"status307\"}"), "\(metrics)")
    }

    @Test func attemptsSurviveARestartSoTheLimitHolds() async throws {
        let receiver = try Receiver()
        try await receiver.start()
        let cluster = try await node(receiver, extra: ["--push-max-attempts", "3"])
        defer { cluster.stop() }
        _ = try await registerWebhook(cluster, receiver, key: ProviderKey.generate())
        // 503 with Retry-After: 1, so attempts come a second apart.
        try receiver.set("status", "503")
        try await cluster.post(to: 0, [Self.envelope(topic: Self.topic, "attempts").0])
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, receiver.requests.count < 2 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(receiver.requests.count == 2)
        cluster.kill(0)
        try await cluster.launch(0)
        // The third attempt comes at once after the restart; it is the last.
        _ = try await receiver.waitFor(within: 20, "third attempt") { _ in receiver.requests.count >= 3 }
        try await Task.sleep(for: .seconds(3))
        #expect(receiver.requests.count == 3, "two attempts before the restart count against the limit of 3")
        let metrics = try await Self.metrics(cluster)
        #expect(metrics.contains("mailvault_push_dead_letters_total 1"), "\(metrics)")
    }

    @Test func receiverDownForAMinuteIsDeliveredWhenItReturns() async throws {
        let receiver = try Receiver()
        try await receiver.start()
        let cluster = try await node(receiver, extra: ["--push-retry-ceiling", "5"])
        defer { cluster.stop() }
        _ = try await registerWebhook(cluster, receiver, key: ProviderKey.generate())
        receiver.stop()
        let (envelope, hash) = Self.envelope(topic: Self.topic, "down")
        try await cluster.post(to: 0, [envelope])
        try await Task.sleep(for: .seconds(60))
        try await receiver.start()
        // Retries are at most 5 s apart (jittered up to 7.5 s), plus one request's timeout.
        let request = try await receiver.waitFor(within: 25, "retried webhook") { $0["verified"] as? Bool == true }
        #expect(Self.body(request)["hash"] as? String == hash)
        let metrics = try await Self.metrics(cluster)
        #expect(metrics.contains("mailvault_push_failed_total{reason="), "\(metrics)")
    }

    @Test func sigkillMidDeliveryDeliversAfterRestart() async throws {
        let receiver = try Receiver()
        try await receiver.start()
        let cluster = try await node(receiver)
        defer { cluster.stop() }
        _ = try await registerWebhook(cluster, receiver, key: ProviderKey.generate())
        try receiver.set("delay", "30")
        let (envelope, hash) = Self.envelope(topic: Self.topic, "killed")
        try await cluster.post(to: 0, [envelope])
        let first = try await receiver.waitFor(within: 20, "first attempt") { $0["path"] as? String == "/hook" }
        // The node is killed while the receiver holds the request unanswered.
        cluster.kill(0)
        try receiver.set("delay", nil)
        try await cluster.launch(0)
        let firstID = (first["headers"] as? [String: Any])?["webhook-id"] as? String
        let again = try await receiver.waitFor(within: 20, "delivery after restart") {
            $0["verified"] as? Bool == true && ($0["at"] as? Double ?? 0) > (first["at"] as? Double ?? 0)
        }
        #expect(Self.body(again)["hash"] as? String == hash)
        #expect((again["headers"] as? [String: Any])?["webhook-id"] as? String == firstID, "the id is stable across the restart")
    }

    static func metrics(_ cluster: Cluster) async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: URL(string: cluster.url(0) + "/metrics")!)
        return String(decoding: data, as: UTF8.self)
    }
}
