import Foundation
import MailvaultAccountability
import MailvaultAPI
import MailvaultCore

/// A stored registration: the client's signed document, what it says, and what the node added
/// (the webhook secret, the address it came from, when).
public struct PushRegistration: Sendable, Equatable {
    /// `keccak256(signer ++ name)`, first 16 bytes, hex without prefix: stable across versions.
    public let id: String
    /// The document as the client signed it (re-verifiable by anyone).
    public let signed: SignedDocument
    /// What it says.
    public let body: PushRegistrationBody
    /// For webhook targets, the Standard Webhooks secret (`whsec_` + base64 of 32 random bytes).
    public let secret: String?
    /// The address (IPv4, or IPv6 /64) the registration was made from, for the per-address cap.
    public let client: String
    /// When the node stored this version.
    public let storedAt: UInt32

    /// The signer's address.
    public var owner: ProviderAddress { signed.signer }

    /// A registration's id for `signer` and `name`.
    public static func id(signer: ProviderAddress, name: String) -> String {
        var hasher = Keccak256()
        hasher.update(signer.bytes)
        hasher.update(Array(name.utf8))
        return Hex.encode(hasher.finalize().bytes.prefix(16))
    }

    /// Whether `text` has the shape of an id (32 lowercase hex digits).
    public static func isValidID(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Whether the registration watches `topic`.
    public func watches(_ topic: Topic) -> Bool {
        switch body.watch {
        case .topics(let topics): topics.contains(topic)
        case .bloom(let bloom): bloom.matches(topic.bloom)
        }
    }

    init(signed: SignedDocument, body: PushRegistrationBody, secret: String?, client: String, storedAt: UInt32) {
        id = PushRegistration.id(signer: signed.signer, name: body.name)
        self.signed = signed
        self.body = body
        self.secret = secret
        self.client = client
        self.storedAt = storedAt
    }
}
