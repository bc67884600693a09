import Foundation
import MailvaultSync

/// Standard Webhooks signatures (standardwebhooks.com): `webhook-signature: v1,<base64 of
/// HMAC-SHA256(secret, id.timestamp.body)>`, the secret being the base64 after `whsec_`.
///
/// The push-crypto branch brings `WebhookSignature`; this is the node's own until it lands.
enum WebhookSigner {
    static func signature(id: String, timestamp: UInt32, body: [UInt8], secret: String) -> String? {
        guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))) else { return nil }
        let message = Array("\(id).\(timestamp).".utf8) + body
        return "v1," + Data(hmacSHA256(key: Array(key), message: message)).base64EncodedString()
    }

    /// RFC 2104 over SHA-256 (block 64 bytes).
    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var block = key.count > 64 ? SHA256.hash(key) : key
        block += Array(repeating: 0, count: 64 - block.count)
        let inner = SHA256.hash(block.map { $0 ^ 0x36 } + message)
        return SHA256.hash(block.map { $0 ^ 0x5c } + inner)
    }
}
