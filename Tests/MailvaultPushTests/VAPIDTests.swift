import Foundation
@testable import MailvaultPush
import Testing

@Suite struct VAPIDTests {
    static let vectors = PushVectors.shared.vapid

    @Test(arguments: PushVectors.shared.vapid.cases.indices)
    func verifiesPyVAPIDTokens(index: Int) throws {
        let vector = Self.vectors.cases[index]
        let verified = try VAPID.verify(header: vector.header, audience: vector.audience, now: Self.vectors.now)
        #expect(verified.claims == VAPIDClaims(aud: vector.audience, exp: vector.expires, sub: vector.subject))
        #expect(Base64Text.urlEncode(verified.publicKey) == vector.publicKey)
        #expect(throws: PushError.vapidRejected("aud is \(vector.audience), not https://other.example")) {
            try VAPID.verify(header: vector.header, audience: "https://other.example", now: Self.vectors.now)
        }
        #expect(throws: PushError.vapidRejected("expired at \(vector.expires)")) {
            try VAPID.verify(header: vector.header, audience: vector.audience, now: vector.expires)
        }
    }

    @Test func swiftTokensVerifyHereAndInPyVAPID() throws {
        let key = VAPIDKey.generate()
        let now = UInt32(Date().timeIntervalSince1970)
        let header = key.authorization(audience: "https://push.example.net", subject: "mailto:ops@example.org", expires: now + 3600)
        #expect(header.hasPrefix("vapid t=eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9."))
        #expect(header.hasSuffix(", k=\(key.publicKeyBase64URL)"))
        #expect(key.publicKey.count == 65 && key.publicKey[0] == 4)
        let verified = try VAPID.verify(header: header, audience: "https://push.example.net", now: now)
        #expect(verified.claims == VAPIDClaims(aud: "https://push.example.net", exp: now + 3600, sub: "mailto:ops@example.org"))
        guard let result = pushVerify(["vapid", "https://push.example.net", String(now)], stdin: header) else { return }
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output == #"{"aud": "https://push.example.net", "exp": \#(now + 3600), "sub": "mailto:ops@example.org"}"#)
    }

    @Test func refusals() throws {
        let key = VAPIDKey.generate()
        let now: UInt32 = 1_000_000
        let good = key.authorization(audience: "https://a.example", subject: "mailto:x@a.example", expires: now + 60)
        let tooFar = key.authorization(audience: "https://a.example", subject: "mailto:x@a.example", expires: now + 86_401)
        let token = String(good.dropFirst("vapid t=".count).prefix { $0 != "," })
        let parts = token.split(separator: ".")
        var signature = b64u(String(parts[2]))
        signature[10] ^= 1
        let forged = "vapid t=\(parts[0]).\(parts[1]).\(Base64Text.urlEncode(signature)), k=\(key.publicKeyBase64URL)"
        let otherKey = "vapid t=\(token), k=\(VAPIDKey.generate().publicKeyBase64URL)"
        let cases: [(String, PushError)] = [
            (tooFar, .vapidRejected("exp is more than 24 hours ahead")),
            (forged, .vapidRejected("the signature does not verify against k")),
            (otherKey, .vapidRejected("the signature does not verify against k")),
            ("Bearer abc", .malformedVAPID("the scheme is not vapid")),
            ("vapid k=\(key.publicKeyBase64URL)", .malformedVAPID("no t=")),
            ("vapid t=\(token)", .malformedVAPID("no k=")),
            ("vapid t=a, t=b, k=c", .malformedVAPID("t given twice")),
            ("vapid t=a, x=b", .malformedVAPID("unknown parameter x")),
            ("vapid t=a.b, k=\(key.publicKeyBase64URL)", .malformedVAPID("the JWT has 2 parts, not 3")),
            ("vapid t=a.b.c, k=AAAA", .malformedVAPID("k is not an uncompressed P-256 point")),
            ("vapid t=\(parts[0]).\(parts[1]).AAAA, k=\(key.publicKeyBase64URL)", .malformedVAPID("the signature is not 64 bytes of r || s")),
        ]
        for (header, expected) in cases {
            #expect(throws: expected, "\(header.prefix(40))") { try VAPID.verify(header: header, audience: "https://a.example", now: now) }
        }
    }

    @Test func keyFileIsCreatedPrivateAndReloaded() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vapid-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("vapid.key").path
        #expect(throws: PushError.invalidKeyFile(path: path, reason: "it does not exist")) { try VAPIDKey.load(path: path, create: false) }
        let created = try VAPIDKey.load(path: path, create: true)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try VAPIDKey.load(path: path, create: false).publicKey == created.publicKey)
        chmod(path, 0o644)
        #expect(throws: PushError.invalidKeyFile(path: path, reason: "others can read it; run chmod 600 \(path)")) {
            try VAPIDKey.load(path: path, create: false)
        }
        try Data("zz\n".utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        #expect(throws: PushError.invalidKeyFile(path: path, reason: "it does not hold 32 bytes of hex")) {
            try VAPIDKey.load(path: path, create: false)
        }
    }
}
