/// Why a push operation failed: one case per rule, each with a sentence a person can act on.
public enum PushError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A Web Push subscription that does not parse or whose keys have the wrong shape.
    case invalidSubscription(String)
    /// A P-256 key (a subscription's `p256dh`, a sender or VAPID key) that is not on the curve.
    case invalidKey(String)
    /// The key file is missing, unreadable, readable by others, or not 32 bytes of hex.
    case invalidKeyFile(path: String, reason: String)
    /// The key file could not be written.
    case keyFileNotWritten(path: String, errno: Int32)
    /// A record size outside what RFC 8188 allows (18 bytes up to 2^32 - 1).
    case invalidRecordSize(Int)
    /// A payload that does not fit one record of the chosen size.
    case payloadTooLarge(size: Int, limit: Int)
    /// An `aes128gcm` body whose header or records are malformed.
    case malformedCiphertext(String)
    /// An `aes128gcm` record whose authentication tag does not verify (wrong key or altered bytes).
    case decryptionFailed
    /// A VAPID `Authorization` header or JWT that does not parse.
    case malformedVAPID(String)
    /// A VAPID JWT that parses but must be refused (signature, audience, expiry).
    case vapidRejected(String)
    /// A webhook secret that is not `whsec_` + base64 of 24 to 64 bytes.
    case invalidWebhookSecret
    /// Webhook headers that are missing or malformed.
    case malformedWebhookHeaders(String)
    /// A webhook timestamp further than the tolerance from now (a replay or a wrong clock).
    case webhookTimestampOutOfTolerance(timestamp: Int64, now: Int64)
    /// No webhook signature matches the body.
    case webhookSignatureMismatch
    /// A notification's JSON that does not parse.
    case malformedNotification(String)
    /// gorush's answer that does not parse.
    case malformedGorushResponse(String)
    /// A destination URL that does not parse, or a host in a form that is refused.
    case invalidURL(String)
    /// A scheme other than `https` (or `http` for an allow-listed host).
    case schemeNotAllowed(String)
    /// A URL with `user:password@` in it.
    case userinfoNotAllowed
    /// A host that resolved to no address.
    case noAddresses(host: String)
    /// A host that resolved to an address push delivery must not reach.
    case addressNotAllowed(host: String, address: String, class: AddressClass)

    public var description: String {
        switch self {
        case .invalidSubscription(let reason): "invalid Web Push subscription: \(reason)"
        case .invalidKey(let reason): "invalid P-256 key: \(reason)"
        case .invalidKeyFile(let path, let reason): "the VAPID key file \(path) is not usable: \(reason)"
        case .keyFileNotWritten(let path, let errno): "cannot write the VAPID key file \(path) (errno \(errno))"
        case .invalidRecordSize(let size): "record size \(size) is outside 18...4294967295 (RFC 8188)"
        case .payloadTooLarge(let size, let limit): "a payload of \(size) bytes does not fit one record (at most \(limit))"
        case .malformedCiphertext(let reason): "malformed aes128gcm body: \(reason)"
        case .decryptionFailed: "the aes128gcm record does not decrypt (wrong key or altered bytes)"
        case .malformedVAPID(let reason): "malformed VAPID authorization: \(reason)"
        case .vapidRejected(let reason): "VAPID authorization refused: \(reason)"
        case .invalidWebhookSecret: "a webhook secret is whsec_ followed by base64 of 24 to 64 bytes"
        case .malformedWebhookHeaders(let reason): "malformed webhook headers: \(reason)"
        case .webhookTimestampOutOfTolerance(let timestamp, let now):
            "webhook timestamp \(timestamp) is more than 5 minutes from now (\(now))"
        case .webhookSignatureMismatch: "no webhook signature matches the body"
        case .malformedNotification(let reason): "malformed notification: \(reason)"
        case .malformedGorushResponse(let reason): "malformed gorush response: \(reason)"
        case .invalidURL(let reason): "invalid destination URL: \(reason)"
        case .schemeNotAllowed(let scheme): "scheme \(scheme) is not allowed (https only, http for allow-listed hosts)"
        case .userinfoNotAllowed: "a destination URL must not carry user:password@"
        case .noAddresses(let host): "\(host) resolved to no address"
        case .addressNotAllowed(let host, let address, let kind): "\(host) resolves to \(address), a \(kind) address"
        }
    }
}
