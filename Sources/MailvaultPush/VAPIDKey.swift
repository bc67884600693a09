import Crypto
import Foundation
import MailvaultAccountability
import MailvaultCore

/// The node's own P-256 key for VAPID (RFC 8292): push services see which application server
/// sends, and a subscription made with `applicationServerKey` = `publicKeyBase64URL` accepts
/// messages from this key only.
public struct VAPIDKey: Sendable {
    let signingKey: P256.Signing.PrivateKey
    /// The uncompressed public key, 65 bytes starting with 0x04.
    public let publicKey: [UInt8]

    /// A key from its 32 secret bytes.
    public init(secret: [UInt8]) throws(PushError) {
        do {
            signingKey = try P256.Signing.PrivateKey(rawRepresentation: secret)
        } catch {
            throw .invalidKey("not a P-256 secret scalar")
        }
        publicKey = Array(signingKey.publicKey.x963Representation)
    }

    /// A new random key.
    public static func generate() -> VAPIDKey {
        VAPIDKey(signingKey: P256.Signing.PrivateKey())
    }

    private init(signingKey: P256.Signing.PrivateKey) {
        self.signingKey = signingKey
        publicKey = Array(signingKey.publicKey.x963Representation)
    }

    /// `publicKey` in URL-safe base64 without padding: the `k=` parameter, and what app
    /// developers pass as `applicationServerKey` to `PushManager.subscribe`.
    public var publicKeyBase64URL: String { Base64Text.urlEncode(publicKey) }

    /// The key in `path` (64 hex digits, as `ProviderKey` stores its key); when the file does not
    /// exist and `create` is true, a new key is written there first, readable by its owner only
    /// (mode 0600). A file others can read is refused.
    public static func load(path: String, create: Bool) throws(PushError) -> VAPIDKey {
        let secret: [UInt8]
        do {
            secret = try SecretKeyFile.load(path: path, create: create) { Array(generate().signingKey.rawRepresentation) }
        } catch {
            if case .keyFileNotWritten(let path, let errno) = error { throw .keyFileNotWritten(path: path, errno: errno) }
            if case .invalidKeyFile(let path, let reason) = error { throw .invalidKeyFile(path: path, reason: reason) }
            throw .invalidKeyFile(path: path, reason: "\(error)")
        }
        do {
            return try VAPIDKey(secret: secret)
        } catch {
            throw .invalidKeyFile(path: path, reason: "\(error)")
        }
    }

    /// The RFC 8292 `Authorization` header value `vapid t=<JWT>, k=<public key>` for a push
    /// to an endpoint whose origin is `audience` (`https://host[:port]`), naming `subject`
    /// (`mailto:` or `https:`) as the contact when given (RFC 8292 makes it optional; Apple's
    /// push service requires it), valid until `expires` (Unix seconds; push services refuse
    /// more than 24 hours ahead).
    ///
    /// The JWT is ES256 (RFC 7515/7518): header `{"typ":"JWT","alg":"ES256"}`, claims
    /// `{"aud","exp","sub"}` (sorted keys), signature the 64-byte raw r || s.
    public func authorization(audience: String, subject: String?, expires: UInt32) -> String {
        let claims = VAPIDClaims(aud: audience, exp: expires, sub: subject)
        let signingInput = VAPID.headerSegment + "." + Base64Text.urlEncode(VAPID.encode(claims))
        // Signing with a valid key over any bytes does not fail in swift-crypto; the optional is
        // its API's, not a case that can arise here.
        guard let signature = try? signingKey.signature(for: Array(signingInput.utf8)) else {
            preconditionFailure("P-256 signing with a valid key failed")
        }
        return "vapid t=\(signingInput).\(Base64Text.urlEncode(signature.rawRepresentation)), k=\(publicKeyBase64URL)"
    }
}

/// The claims of a VAPID JWT (RFC 8292 §2).
public struct VAPIDClaims: Codable, Sendable, Equatable {
    /// The origin of the push resource.
    public let aud: String
    /// Expiry, Unix seconds.
    public let exp: UInt32
    /// The sender's contact (`mailto:` or `https:`); optional in the RFC.
    public let sub: String?

    /// Claims from their parts.
    public init(aud: String, exp: UInt32, sub: String?) {
        self.aud = aud
        self.exp = exp
        self.sub = sub
    }
}

/// A push service's side of VAPID: checking an `Authorization: vapid …` header.
public enum VAPID {
    /// The JWT header every Mailvault token carries, encoded.
    static let headerSegment = Base64Text.urlEncode(Array(#"{"typ":"JWT","alg":"ES256"}"#.utf8))
    /// RFC 8292 §2: push services reject an `exp` more than 24 hours ahead.
    public static let maximumLifetime: UInt32 = 24 * 60 * 60

    /// What a verified header says.
    public struct Verified: Sendable, Equatable {
        /// The sender's uncompressed public key (the `k=` parameter).
        public let publicKey: [UInt8]
        /// The token's claims.
        public let claims: VAPIDClaims
    }

    /// Checks `header` (`vapid t=…, k=…`): the JWT's ES256 signature against `k`, `aud` equal to
    /// `audience`, `exp` after `now` and at most 24 hours ahead of it.
    public static func verify(header: String, audience: String, now: UInt32) throws(PushError) -> Verified {
        let parameters = try VAPIDHeader.parse(header)
        guard let keyBytes = Base64Text.urlDecode(parameters.k) else { throw .malformedVAPID("k is not base64url") }
        let publicKey: P256.Signing.PublicKey
        do {
            publicKey = try P256.Signing.PublicKey(x963Representation: keyBytes)
        } catch {
            throw .malformedVAPID("k is not an uncompressed P-256 point")
        }
        let parts = parameters.t.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformedVAPID("the JWT has \(parts.count) parts, not 3") }
        guard let headerBytes = Base64Text.urlDecode(parts[0]),
              let jwtHeader = try? JSONDecoder().decode([String: String].self, from: Data(headerBytes)) else {
            throw .malformedVAPID("the JWT header is not a JSON object of strings")
        }
        guard jwtHeader["alg"] == "ES256" else { throw .vapidRejected("alg is \(jwtHeader["alg"] ?? "missing"), not ES256") }
        guard let signatureBytes = Base64Text.urlDecode(parts[2]), signatureBytes.count == 64,
              let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes) else {
            throw .malformedVAPID("the signature is not 64 bytes of r || s")
        }
        let signingInput = Array(parameters.t.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard publicKey.isValidSignature(signature, for: signingInput) else {
            throw .vapidRejected("the signature does not verify against k")
        }
        guard let claimBytes = Base64Text.urlDecode(parts[1]),
              let claims = try? JSONDecoder().decode(VAPIDClaims.self, from: Data(claimBytes)) else {
            throw .malformedVAPID("the claims are not {\"aud\",\"exp\",\"sub\"}")
        }
        guard claims.aud == audience else { throw .vapidRejected("aud is \(claims.aud), not \(audience)") }
        guard claims.exp > now else { throw .vapidRejected("expired at \(claims.exp)") }
        guard claims.exp - now <= maximumLifetime else { throw .vapidRejected("exp is more than 24 hours ahead") }
        return Verified(publicKey: keyBytes, claims: claims)
    }

    static func encode(_ claims: VAPIDClaims) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(claims)) ?? Data())
    }
}
