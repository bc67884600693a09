import CSecp256k1
import MailvaultCore

/// A secp256k1 public key, parsed and checked to be a point on the curve.
///
/// Ethereum's node records (EIP-778 "v4") and DNS trees (EIP-1459) carry keys in the 33-byte
/// compressed form; addresses and descriptors use the 65-byte uncompressed form. Both forms of
/// one key make equal values.
public struct PublicKey: Hashable, Sendable, CustomStringConvertible {
    /// The uncompressed encoding (65 bytes, starting with 0x04).
    public let uncompressed: [UInt8]

    /// A key from its compressed (33 bytes, 0x02 or 0x03 first) or uncompressed (65 bytes, 0x04
    /// first) encoding; anything else, or a point not on the curve, is `invalidPublicKey`.
    public init(bytes: some Collection<UInt8>) throws(AccountabilityError) {
        let input = Array(bytes)
        guard (input.count == 33 && (input[0] == 2 || input[0] == 3)) || (input.count == 65 && input[0] == 4) else {
            throw .invalidPublicKey
        }
        var pubkey = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_parse(Secp256k1.context, &pubkey, input, input.count) == 1 else {
            throw .invalidPublicKey
        }
        uncompressed = Secp256k1.serialize(pubkey)
    }

    /// The compressed encoding (33 bytes): 0x02 or 0x03 for the parity of y, then x.
    public var compressed: [UInt8] {
        [uncompressed[64] & 1 == 0 ? 0x02 : 0x03] + uncompressed[1..<33]
    }

    /// The Ethereum-style address of this key.
    public var address: ProviderAddress { ProviderAddress(publicKey: uncompressed) }

    /// Whether `signature` (64 bytes, r ++ s) signs `digest` with this key. As go-ethereum's
    /// `crypto.VerifySignature`, only the lower-S form is accepted (libsecp256k1's
    /// `secp256k1_ecdsa_verify` rule), so a signature has exactly one valid encoding.
    public func verify(signature: some Collection<UInt8>, digest: Hash256) -> Bool {
        let compact = Array(signature)
        guard compact.count == 64 else { return false }
        var parsed = secp256k1_ecdsa_signature()
        guard secp256k1_ecdsa_signature_parse_compact(Secp256k1.context, &parsed, compact) == 1 else { return false }
        var pubkey = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_parse(Secp256k1.context, &pubkey, uncompressed, 65) == 1 else { return false }
        return secp256k1_ecdsa_verify(Secp256k1.context, &parsed, digest.bytes, &pubkey) == 1
    }

    public var description: String { Hex.encode(compressed, prefix: true) }
}

extension ProviderKey {
    /// The public key as a parsed value: the key that verifies this key's signatures.
    public var verifyingKey: PublicKey {
        // `publicKey` was serialized by libsecp256k1 from a valid secret, so it always parses.
        try! PublicKey(bytes: publicKey)
    }

    /// The 33-byte compressed public key (EIP-778's `secp256k1` entry, EIP-1459's tree key).
    public var compressedPublicKey: [UInt8] { verifyingKey.compressed }

    /// A plain 64-byte signature (r ++ s, lower-S) of a 32-byte digest, as EIP-778's "v4"
    /// identity scheme wants it: the recoverable signature without its recovery id.
    public func signPlain(digest: Hash256) -> [UInt8] {
        Array(sign(digest: digest).bytes[0..<64])
    }
}
