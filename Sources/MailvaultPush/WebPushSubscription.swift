import Foundation

/// Where and to whom a Web Push message goes (RFC 8030 §4, RFC 8291 §2): the push service's
/// endpoint, the user agent's P-256 public key and its authentication secret.
///
/// Validation here is about shape (an http(s) URL, a 65-byte uncompressed point, 16 bytes);
/// whether the point is on the curve is checked when encrypting, and whether the endpoint may be
/// reached is `DestinationPolicy`'s decision at delivery time.
public struct WebPushSubscription: Sendable, Equatable, Hashable {
    /// The push resource URL the message is POSTed to.
    public let endpoint: String
    /// The user agent's public key: an uncompressed P-256 point, 65 bytes starting with 0x04.
    public let p256dh: [UInt8]
    /// The user agent's authentication secret, 16 bytes (RFC 8291 §3.2).
    public let auth: [UInt8]

    /// A subscription from its parts, checked for shape.
    public init(endpoint: String, p256dh: [UInt8], auth: [UInt8]) throws(PushError) {
        do {
            _ = try DestinationPolicy.parseURL(endpoint)
        } catch {
            throw .invalidSubscription("the endpoint is not a usable URL: \(error)")
        }
        guard p256dh.count == 65, p256dh[0] == 0x04 else {
            throw .invalidSubscription("p256dh is \(p256dh.count) bytes, not a 65-byte uncompressed P-256 point")
        }
        guard auth.count == 16 else { throw .invalidSubscription("auth is \(auth.count) bytes, not 16") }
        self.endpoint = endpoint
        self.p256dh = p256dh
        self.auth = auth
    }

    /// A subscription as browsers give it (`PushSubscription.toJSON().keys`): `p256dh` and `auth`
    /// in URL-safe base64, padded or not.
    public init(endpoint: String, p256dh: String, auth: String) throws(PushError) {
        guard let key = Base64Text.urlDecode(p256dh) else { throw .invalidSubscription("p256dh is not base64url") }
        guard let secret = Base64Text.urlDecode(auth) else { throw .invalidSubscription("auth is not base64url") }
        try self.init(endpoint: endpoint, p256dh: key, auth: secret)
    }

    /// A subscription from the JSON a browser's `PushSubscription.toJSON()` produces:
    /// `{"endpoint":"…","keys":{"p256dh":"…","auth":"…"}}` (other members such as
    /// `expirationTime` are ignored). At most 8 KiB.
    public init(json: [UInt8]) throws(PushError) {
        guard json.count <= 8192 else { throw .invalidSubscription("the JSON is over 8 KiB") }
        let wire: SubscriptionJSON
        do {
            wire = try JSONDecoder().decode(SubscriptionJSON.self, from: Data(json))
        } catch {
            throw .invalidSubscription("not {\"endpoint\":…,\"keys\":{\"p256dh\":…,\"auth\":…}}")
        }
        try self.init(endpoint: wire.endpoint, p256dh: wire.keys.p256dh, auth: wire.keys.auth)
    }

    /// `p256dh` in URL-safe base64 without padding.
    public var p256dhBase64URL: String { Base64Text.urlEncode(p256dh) }
    /// `auth` in URL-safe base64 without padding.
    public var authBase64URL: String { Base64Text.urlEncode(auth) }
}

private struct SubscriptionJSON: Decodable {
    struct Keys: Decodable {
        let p256dh: String
        let auth: String
    }
    let endpoint: String
    let keys: Keys
}
