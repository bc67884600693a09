import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MailvaultAccountability
import MailvaultCore
import MailvaultTestSupport
import Testing

/// Push registrations against a real `mailvault serve` process: signed create, read, renew,
/// delete, replay refused, durability across SIGKILL, caps, and a table of bad inputs that must
/// each be a 4xx with the JSON error object and leave nothing stored. Documents are written here
/// by hand (not with the code under test); no URL in them is ever connected to.
@Suite("push registrations", .serialized)
struct PushRegistrationTests {
    static let topic = "0xfede0001"

    /// A registration document as a client writes it.
    static func document(name: String, version: Int, expires: UInt32? = nil, topics: [String] = [topic],
                         target: String = #"{"webhook":{"url":"https://hooks.example.org/mailvault"}}"#) -> String {
        let expiry = expires ?? UInt32(Date().timeIntervalSince1970) + 3600
        let list = topics.map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"name":"\#(name)","version":\#(version),"expires":\#(expiry),"topics":[\#(list)],"target":\#(target)}"#
    }

    static func signed(_ document: String, kind: String = "push-registration", key: ProviderKey) -> [UInt8] {
        SignedDocument(kind: kind, document: Array(document.utf8), key: key).json
    }

    /// keccak256(signer address ++ name), first 16 bytes, as Docs/Push.md defines the id.
    static func id(_ key: ProviderKey, _ name: String) -> String {
        Hex.encode(Keccak256.hash(key.address.bytes + Array(name.utf8)).bytes.prefix(16))
    }

    static func post(_ cluster: Cluster, _ body: [UInt8]) async throws -> (Int, [String: Any]) {
        try await cluster.request(0, "POST", "/v1/push/registrations", contentType: "application/json", body: body)
    }

    @Test func registerReadRenewDeleteAndSurviveSIGKILL() async throws {
        let cluster = try Cluster(count: 1)
        defer { cluster.stop() }
        try await cluster.start(links: [])
        let key = ProviderKey.generate()
        let id = Self.id(key, "desk")

        let (created, answer) = try await Self.post(cluster, Self.signed(Self.document(name: "desk", version: 1), key: key))
        #expect(created == 201, "\(answer)")
        #expect(answer["id"] as? String == id)
        let secret = answer["secret"] as? String
        #expect(secret?.hasPrefix("whsec_") == true)

        let (read, shown) = try await cluster.request(0, "GET", "/v1/push/registrations/\(id)", contentType: nil, body: [])
        #expect(read == 200)
        #expect(shown["version"] as? Int == 1 && shown["secret"] == nil && shown["target"] as? String == "webhook")

        // A renewal: 200, the secret not shown again.
        let (renewed, again) = try await Self.post(cluster, Self.signed(Self.document(name: "desk", version: 2), key: key))
        #expect(renewed == 200 && again["secret"] == nil, "\(again)")

        // Acknowledged means durable: SIGKILL, restart, still there at version 2.
        cluster.kill(0)
        try await cluster.launch(0)
        let (after, kept) = try await cluster.request(0, "GET", "/v1/push/registrations/\(id)", contentType: nil, body: [])
        #expect(after == 200 && kept["version"] as? Int == 2, "\(kept)")

        // Replays refused, before and after a deletion.
        let (replayed, replay) = try await Self.post(cluster, Self.signed(Self.document(name: "desk", version: 2), key: key))
        #expect(replayed == 409 && (replay["error"] as? [String: Any])?["code"] as? String == "staleVersion")

        // Only the owner deletes; a deletion's version must be newer.
        let stranger = ProviderKey.generate()
        let foreign = Self.signed(#"{"name":"desk","version":9}"#, kind: "push-deletion", key: stranger)
        let (refused, _) = try await cluster.request(0, "DELETE", "/v1/push/registrations/\(id)", contentType: "application/json", body: foreign)
        #expect(refused == 403)
        let stale = Self.signed(#"{"name":"desk","version":2}"#, kind: "push-deletion", key: key)
        let (old, _) = try await cluster.request(0, "DELETE", "/v1/push/registrations/\(id)", contentType: "application/json", body: stale)
        #expect(old == 409)
        let deletion = Self.signed(#"{"name":"desk","version":3}"#, kind: "push-deletion", key: key)
        let (deleted, _) = try await cluster.request(0, "DELETE", "/v1/push/registrations/\(id)", contentType: "application/json", body: deletion)
        #expect(deleted == 200)
        let (gone, _) = try await cluster.request(0, "GET", "/v1/push/registrations/\(id)", contentType: nil, body: [])
        #expect(gone == 404)

        // The deletion is durable too, and an older registration cannot bring it back.
        cluster.kill(0)
        try await cluster.launch(0)
        let (stillGone, _) = try await cluster.request(0, "GET", "/v1/push/registrations/\(id)", contentType: nil, body: [])
        #expect(stillGone == 404)
        let (back, _) = try await Self.post(cluster, Self.signed(Self.document(name: "desk", version: 3), key: key))
        #expect(back == 409)
        let (newer, fresh) = try await Self.post(cluster, Self.signed(Self.document(name: "desk", version: 4), key: key))
        #expect(newer == 201 && fresh["secret"] is String, "\(fresh)")
    }

    @Test func badInputIs4xxAndStoresNothing() async throws {
        let cluster = try Cluster(count: 1)
        defer { cluster.stop() }
        try await cluster.start(links: [], extra: [0: ["--push-max-topics", "3", "--push-max-per-key", "2"]])
        let key = ProviderKey.generate()
        let other = ProviderKey.generate()
        let now = UInt32(Date().timeIntervalSince1970)
        func webhook(_ url: String) -> String { #"{"webhook":{"url":"\#(url)"}}"# }
        func webPush(_ url: String) -> String {
            let p256dh = Base64.url([4] + Array(repeating: 7, count: 64))
            return #"{"webPush":{"endpoint":"\#(url)","p256dh":"\#(p256dh)","auth":"\#(Base64.url(Array(repeating: 1, count: 16)))"}}"#
        }
        let good = Self.document(name: "n", version: 1)
        // A signature by `other` presented as `key`'s.
        var forged = (try JSONSerialization.jsonObject(with: Data(Self.signed(good, key: other)))) as! [String: Any]
        forged["signer"] = key.address.description
        let cases: [(String, [UInt8], String?, Int)] = [
            ("unsigned document", Array(good.utf8), "application/json", 401),
            ("forged signer", Array(try JSONSerialization.data(withJSONObject: forged)), "application/json", 401),
            ("other kind", Self.signed(good, kind: "receipt", key: key), "application/json", 401),
            ("not JSON", Array("{".utf8), "application/json", 401),
            ("wrong media type", Self.signed(good, key: key), "text/plain", 415),
            ("127.0.0.1 not allowed", Self.signed(Self.document(name: "n", version: 1, target: webhook("https://127.0.0.1:9/x")), key: key),
             "application/json", 422),
            ("10.0.0.1", Self.signed(Self.document(name: "n", version: 1, target: webhook("https://10.0.0.1/x")), key: key),
             "application/json", 422),
            ("metadata address", Self.signed(Self.document(name: "n", version: 1, target: webPush("https://169.254.169.254/latest")), key: key),
             "application/json", 422),
            ("mapped loopback", Self.signed(Self.document(name: "n", version: 1, target: webhook("https://[::ffff:127.0.0.1]/x")), key: key),
             "application/json", 422),
            ("localhost", Self.signed(Self.document(name: "n", version: 1, target: webhook("https://localhost/x")), key: key),
             "application/json", 422),
            ("http", Self.signed(Self.document(name: "n", version: 1, target: webhook("http://hooks.example.org/x")), key: key),
             "application/json", 422),
            ("user info", Self.signed(Self.document(name: "n", version: 1, target: webhook("https://a:b@hooks.example.org/x")), key: key),
             "application/json", 422),
            ("too many topics", Self.signed(Self.document(name: "n", version: 1, topics: ["0x00000001", "0x00000002", "0x00000003", "0x00000004"]),
                                            key: key), "application/json", 400),
            ("topic twice", Self.signed(Self.document(name: "n", version: 1, topics: ["0x00000001", "0x00000001"]), key: key),
             "application/json", 400),
            ("expired", Self.signed(Self.document(name: "n", version: 1, expires: now - 10), key: key), "application/json", 400),
            ("too far ahead", Self.signed(Self.document(name: "n", version: 1, expires: now + 40 * 86_400), key: key), "application/json", 400),
            ("version 0", Self.signed(Self.document(name: "n", version: 0), key: key), "application/json", 400),
            ("unknown field", Self.signed(good.replacingOccurrences(of: "{\"name\"", with: "{\"extra\":1,\"name\""), key: key),
             "application/json", 400),
            ("two targets", Self.signed(Self.document(name: "n", version: 1,
                                                      target: #"{"webhook":{"url":"https://a.example.org/"},"gorush":{"token":"t","platform":"android"}}"#),
                                        key: key), "application/json", 400),
            ("gorush without --gorush-url", Self.signed(Self.document(name: "n", version: 1, target: #"{"gorush":{"token":"t","platform":"android"}}"#),
                                                        key: key), "application/json", 422),
            ("ios without apnsTopic", Self.signed(Self.document(name: "n", version: 1, target: #"{"gorush":{"token":"t","platform":"ios"}}"#),
                                                  key: key), "application/json", 400),
            ("bad p256dh", Self.signed(Self.document(name: "n", version: 1,
                                                     target: #"{"webPush":{"endpoint":"https://push.example.net/a","p256dh":"AAAA","auth":"AAAAAAAAAAAAAAAAAAAAAA"}}"#),
                                       key: key), "application/json", 400),
            ("body over the limit", Self.signed(Self.document(name: String(repeating: "x", count: 20_000), version: 1), key: key),
             "application/json", 413),
        ]
        for (name, body, type, status) in cases {
            let (code, object) = try await cluster.request(0, "POST", "/v1/push/registrations", contentType: type, body: body)
            #expect(code == status, "\(name): \(object)")
            let error = object["error"] as? [String: Any]
            #expect(error?["code"] is String && error?["message"] is String, "\(name): \(object)")
            let (read, _) = try await cluster.request(0, "GET", "/v1/push/registrations/\(Self.id(key, "n"))", contentType: nil, body: [])
            #expect(read == 404, "\(name) stored something")
        }
        let log = cluster.directories[0] + "/push/registrations.log"
        #expect(((try? Data(contentsOf: URL(fileURLWithPath: log))) ?? Data()).isEmpty, "the registration log was written")

        // The per-key cap: two names, then a third is refused and not stored.
        for name in ["a", "b"] {
            let (code, object) = try await Self.post(cluster, Self.signed(Self.document(name: name, version: 1), key: key))
            #expect(code == 201, "\(object)")
        }
        let (capped, object) = try await Self.post(cluster, Self.signed(Self.document(name: "c", version: 1), key: key))
        #expect(capped == 403 && (object["error"] as? [String: Any])?["code"] as? String == "registrationLimit", "\(object)")
        let (missing, _) = try await cluster.request(0, "GET", "/v1/push/registrations/\(Self.id(key, "c"))", contentType: nil, body: [])
        #expect(missing == 404)
        let (badID, _) = try await cluster.request(0, "GET", "/v1/push/registrations/xyz", contentType: nil, body: [])
        #expect(badID == 400)
    }

    @Test func allowListedLoopbackHostIsAccepted() async throws {
        let cluster = try Cluster(count: 1)
        defer { cluster.stop() }
        try await cluster.start(links: [], extra: [0: ["--push-allow-host", "127.0.0.1"]])
        let key = ProviderKey.generate()
        let target = #"{"webhook":{"url":"http://127.0.0.1:9/hook"}}"#
        let (code, object) = try await Self.post(cluster, Self.signed(Self.document(name: "t", version: 1, target: target), key: key))
        #expect(code == 201, "\(object)")
        // Other loopback hosts stay closed.
        let other = #"{"webhook":{"url":"https://127.0.0.2:9/hook"}}"#
        let (refused, _) = try await Self.post(cluster, Self.signed(Self.document(name: "u", version: 1, target: other), key: key))
        #expect(refused == 422)
    }
}

/// Unpadded base64url, written here so the test does not lean on the parser it checks.
enum Base64 {
    static func url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
