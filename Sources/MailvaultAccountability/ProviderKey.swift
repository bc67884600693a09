import CSecp256k1
import Foundation
import MailvaultCore

/// Why a key or signature operation failed.
public enum AccountabilityError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The key file is missing, unreadable or not 32 bytes of hex.
    case invalidKeyFile(path: String, reason: String)
    /// The key file could not be written.
    case keyFileNotWritten(path: String, errno: Int32)
    /// Bytes that are not a valid secp256k1 secret key.
    case invalidSecretKey
    /// A signature that is malformed or does not recover to a public key.
    case invalidSignature
    /// Bytes that are not a compressed or uncompressed secp256k1 public key on the curve.
    case invalidPublicKey
    /// A signed document whose signer is not the one it claims.
    case wrongSigner(claimed: String, recovered: String)
    /// A document that does not parse or lacks a field.
    case malformedDocument(String)

    public var description: String {
        switch self {
        case .invalidKeyFile(let path, let reason): "the key file \(path) is not usable: \(reason)"
        case .keyFileNotWritten(let path, let errno): "cannot write the key file \(path) (errno \(errno))"
        case .invalidSecretKey: "not a valid secp256k1 secret key"
        case .invalidSignature: "the signature is malformed or does not recover to a public key"
        case .invalidPublicKey: "not a valid secp256k1 public key"
        case .wrongSigner(let claimed, let recovered): "signed by \(recovered), not by \(claimed) as claimed"
        case .malformedDocument(let reason): "malformed signed document: \(reason)"
        }
    }
}

/// A provider's identity: a secp256k1 key, as Ethereum uses them. The address is the last 20
/// bytes of keccak256 of the uncompressed public key (without its 0x04 prefix).
public struct ProviderKey: Sendable {
    private let secret: [UInt8]
    /// The uncompressed public key (65 bytes, starting with 0x04).
    public let publicKey: [UInt8]
    /// The Ethereum-style address of the public key.
    public let address: ProviderAddress

    /// A key from its 32 secret bytes.
    public init(secret: [UInt8]) throws(AccountabilityError) {
        guard secret.count == 32, secp256k1_ec_seckey_verify(Secp256k1.context, secret) == 1 else {
            throw .invalidSecretKey
        }
        var pubkey = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_create(Secp256k1.context, &pubkey, secret) == 1 else { throw .invalidSecretKey }
        self.secret = secret
        publicKey = Secp256k1.serialize(pubkey)
        address = ProviderAddress(publicKey: publicKey)
    }

    /// A new random key from the system's random number generator.
    public static func generate() -> ProviderKey {
        var generator = SystemRandomNumberGenerator()
        while true {
            let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if let key = try? ProviderKey(secret: secret) { return key }
        }
    }

    /// The key in `path` (64 hex digits); when the file does not exist and `create` is true, a
    /// new key is written there first, readable by its owner only (mode 0600).
    public static func load(path: String, create: Bool) throws(AccountabilityError) -> ProviderKey {
        let secret = try SecretKeyFile.load(path: path, create: create) { generate().secret }
        do {
            return try ProviderKey(secret: secret)
        } catch {
            throw .invalidKeyFile(path: path, reason: "\(error)")
        }
    }

    /// A recoverable signature of a 32-byte digest (deterministic, RFC 6979 nonces).
    public func sign(digest: Hash256) -> RecoverableSignature {
        var signature = secp256k1_ecdsa_recoverable_signature()
        let ok = secp256k1_ecdsa_sign_recoverable(Secp256k1.context, &signature, digest.bytes, secret, nil, nil)
        precondition(ok == 1, "signing with a verified secret key cannot fail")
        var compact = [UInt8](repeating: 0, count: 64)
        var recoveryID: Int32 = 0
        secp256k1_ecdsa_recoverable_signature_serialize_compact(Secp256k1.context, &compact, &recoveryID, &signature)
        return RecoverableSignature(bytes: compact + [UInt8(recoveryID)])!
    }
}

/// A 20-byte Ethereum-style address.
public struct ProviderAddress: Hashable, Sendable, CustomStringConvertible {
    /// The 20 bytes.
    public let bytes: [UInt8]

    /// The address of an uncompressed public key (65 bytes, 0x04 prefix).
    public init(publicKey: [UInt8]) {
        bytes = Array(Keccak256.hash(publicKey.dropFirst()).bytes.suffix(20))
    }

    /// An address from 20 bytes of hex.
    public init(hex: String) throws(AccountabilityError) {
        guard let bytes = try? Hex.decode(hex), bytes.count == 20 else {
            throw .malformedDocument("'\(hex)' is not a 20-byte address")
        }
        self.bytes = bytes
    }

    public var description: String { Hex.encode(bytes, prefix: true) }
}

/// A 65-byte signature `r ++ s ++ v` with `v` the recovery id (0 or 1), as Ethereum's
/// `crypto.Sign` returns it.
public struct RecoverableSignature: Hashable, Sendable, CustomStringConvertible {
    /// The 65 bytes.
    public let bytes: [UInt8]

    /// A signature from its 65 bytes; `nil` for another length or a recovery id above 3.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 65, bytes[64] <= 3 else { return nil }
        self.bytes = bytes
    }

    /// The public key (uncompressed) that made this signature over `digest`.
    public func recover(digest: Hash256) throws(AccountabilityError) -> [UInt8] {
        var signature = secp256k1_ecdsa_recoverable_signature()
        guard secp256k1_ecdsa_recoverable_signature_parse_compact(Secp256k1.context, &signature, Array(bytes[0..<64]),
                                                                  Int32(bytes[64])) == 1 else {
            throw .invalidSignature
        }
        var pubkey = secp256k1_pubkey()
        guard secp256k1_ecdsa_recover(Secp256k1.context, &pubkey, &signature, digest.bytes) == 1 else {
            throw .invalidSignature
        }
        return Secp256k1.serialize(pubkey)
    }

    /// The address that made this signature over `digest`.
    public func signer(digest: Hash256) throws(AccountabilityError) -> ProviderAddress {
        ProviderAddress(publicKey: try recover(digest: digest))
    }

    public var description: String { Hex.encode(bytes, prefix: true) }
}

/// One process-wide secp256k1 context (read-only after creation, safe to share across threads).
enum Secp256k1 {
    nonisolated(unsafe) static let context: OpaquePointer = {
        let flags = UInt32(SECP256K1_CONTEXT_SIGN) | UInt32(SECP256K1_CONTEXT_VERIFY)
        return secp256k1_context_create(flags)!
    }()

    static func serialize(_ pubkey: secp256k1_pubkey) -> [UInt8] {
        var key = pubkey
        var out = [UInt8](repeating: 0, count: 65)
        var length = 65
        secp256k1_ec_pubkey_serialize(context, &out, &length, &key, UInt32(SECP256K1_EC_UNCOMPRESSED))
        return out
    }
}
