import Crypto
import Foundation

/// Signed webhooks per Standard Webhooks (https://www.standardwebhooks.com): the body is signed
/// with HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>` with a shared secret, and the
/// signature travels as `webhook-signature: v1,<base64>`.
public enum WebhookSignature {
    /// Standard Webhooks' secret prefix.
    public static let secretPrefix = "whsec_"
    /// How far a timestamp may be from the receiver's clock: 5 minutes, the specification's advice.
    public static let tolerance: Int64 = 5 * 60

    /// A new secret: `whsec_` + base64 of `byteCount` (24 to 64) random bytes; returned once to
    /// the registering client.
    public static func generateSecret(byteCount: Int = 32) -> String {
        let count = min(max(byteCount, 24), 64)
        return secretPrefix + Base64Text.encode(WebPushEncryption.randomBytes(count))
    }

    /// The key bytes of a secret (`whsec_` optional, as the reference libraries accept it).
    public static func key(secret: String) throws(PushError) -> [UInt8] {
        let text = secret.hasPrefix(secretPrefix) ? Substring(secret.dropFirst(secretPrefix.count)) : Substring(secret)
        guard let key = Base64Text.decode(text), (24...64).contains(key.count) else { throw .invalidWebhookSecret }
        return key
    }

    /// The `webhook-signature` value for `payload` sent with `id` at `timestamp`:
    /// `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<payload>")>`.
    public static func sign(id: String, timestamp: Int64, payload: [UInt8], secret: String) throws(PushError) -> String {
        "v1," + Base64Text.encode(mac(id: id, timestamp: timestamp, payload: payload, key: try key(secret: secret)))
    }

    /// Checks a delivery: `id`, `timestamp` and `signature` are the `webhook-id`,
    /// `webhook-timestamp` and `webhook-signature` header values. The timestamp must be within
    /// 5 minutes of `now`; any one of the space-separated `v1` signatures must match
    /// (compared in constant time).
    public static func verify(id: String, timestamp: String, signature: String, payload: [UInt8], secret: String,
                              now: Int64) throws(PushError) {
        let key = try key(secret: secret)
        let id = try WebhookSignatureHeader.id(id)
        let seconds = try WebhookSignatureHeader.timestamp(timestamp)
        let candidates = try WebhookSignatureHeader.parse(signature)
        guard abs(seconds - now) <= tolerance else { throw .webhookTimestampOutOfTolerance(timestamp: seconds, now: now) }
        let expected = mac(id: id, timestamp: seconds, payload: payload, key: key)
        guard candidates.contains(where: { constantTimeEqual($0, expected) }) else { throw .webhookSignatureMismatch }
    }

    /// `verify` over a header dictionary (names matched case-insensitively).
    public static func verify(headers: [String: String], payload: [UInt8], secret: String, now: Int64) throws(PushError) {
        func header(_ name: String) throws(PushError) -> String {
            guard let value = headers.first(where: { $0.key.lowercased() == name })?.value else {
                throw .malformedWebhookHeaders("no \(name) header")
            }
            return value
        }
        try verify(id: try header("webhook-id"), timestamp: try header("webhook-timestamp"),
                   signature: try header("webhook-signature"), payload: payload, secret: secret, now: now)
    }

    static func mac(id: String, timestamp: Int64, payload: [UInt8], key: [UInt8]) -> [UInt8] {
        var content = Array("\(id).\(timestamp).".utf8)
        content.append(contentsOf: payload)
        return Array(HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: key)))
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
