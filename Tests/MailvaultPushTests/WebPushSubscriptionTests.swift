@testable import MailvaultPush
import Testing

@Suite struct WebPushSubscriptionTests {
    static let key = PushVectors.shared.rfc8291.uaPublic
    static let auth = PushVectors.shared.rfc8291.auth

    @Test func parsesBrowserJSON() throws {
        let json = #"{"endpoint":"https://fcm.googleapis.com/fcm/send/abc","expirationTime":null,"keys":{"p256dh":"\#(Self.key)","auth":"\#(Self.auth)"}}"#
        let subscription = try WebPushSubscription(json: Array(json.utf8))
        #expect(subscription.endpoint == "https://fcm.googleapis.com/fcm/send/abc")
        #expect(subscription.p256dh.count == 65)
        #expect(subscription.p256dhBase64URL == Self.key)
        #expect(subscription.authBase64URL == Self.auth)
        // Padded base64url, as some libraries write it, is the same subscription.
        #expect(try WebPushSubscription(endpoint: subscription.endpoint, p256dh: Self.key + "=", auth: Self.auth + "==") == subscription)
    }

    @Test func refusals() {
        let cases: [(String, String, String, PushError)] = [
            ("ftp://x.example/a", Self.key, Self.auth,
             .invalidSubscription("the endpoint is not a usable URL: scheme ftp is not allowed (https only, http for allow-listed hosts)")),
            ("https://x.example/a", "not*base64", Self.auth, .invalidSubscription("p256dh is not base64url")),
            ("https://x.example/a", Self.key, "a+b/", .invalidSubscription("auth is not base64url")),
            ("https://x.example/a", String(Self.key.dropLast(4)), Self.auth,
             .invalidSubscription("p256dh is 62 bytes, not a 65-byte uncompressed P-256 point")),
            ("https://x.example/a", "A" + String(Self.key.dropFirst()), Self.auth,
             .invalidSubscription("p256dh is 65 bytes, not a 65-byte uncompressed P-256 point")),
            ("https://x.example/a", Self.key, "AAAA", .invalidSubscription("auth is 3 bytes, not 16")),
        ]
        for (endpoint, key, auth, expected) in cases {
            #expect(throws: expected) { try WebPushSubscription(endpoint: endpoint, p256dh: key, auth: auth) }
        }
        #expect(throws: PushError.invalidSubscription("not {\"endpoint\":…,\"keys\":{\"p256dh\":…,\"auth\":…}}")) {
            try WebPushSubscription(json: Array(#"{"endpoint":"https://x.example"}"#.utf8))
        }
        #expect(throws: PushError.invalidSubscription("the JSON is over 8 KiB")) {
            try WebPushSubscription(json: [UInt8](repeating: 0x20, count: 8193))
        }
    }
}
