import Foundation
import MailvaultCore

/// Loads the test vectors that `Scripts/vectors/make_core_vectors.py` generated with independent
/// Python implementations (pycryptodome's Keccak, the `rlp` package).
enum Vectors {
    static func load<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Vectors") else {
            throw VectorError.missing(name)
        }
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    /// The generator's byte pattern for inputs too large to store: byte i of pattern `seed`.
    static func pattern(seed: Int, length: Int) -> [UInt8] {
        (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 7 &+ ($0 >> 8)) }
    }

    struct Pattern: Decodable {
        let seed: Int
        let length: Int
        var bytes: [UInt8] { Vectors.pattern(seed: seed, length: length) }
    }

    struct KeccakVector {
        let input: [UInt8]
        let hash: String
    }

    static func keccak() throws -> [KeccakVector] {
        struct Raw: Decodable {
            let input: String?
            let pattern: Pattern?
            let hash: String
        }
        return try load("keccak", as: [Raw].self).map { raw in
            let input = try raw.input.map { try Hex.decode($0) } ?? raw.pattern?.bytes ?? []
            return KeccakVector(input: input, hash: raw.hash)
        }
    }

    struct EnvelopeVector: Decodable {
        let expiry: UInt32
        let ttl: UInt32
        let topic: String
        let data: String?
        let dataPattern: Pattern?
        let nonceString: String
        let rlp: String?
        let rlpLength: Int?
        let hash: String
        let rlpWithoutNonce: String?
        let rlpWithoutNonceLength: Int?
        let powHash: String
        let leadingZeros: Int
        let pow: Double
        let bloom: String
        let size: Int
        let sent: UInt32

        var nonce: UInt64 { UInt64(nonceString)! }
        func dataBytes() throws -> [UInt8] { try data.map { try Hex.decode($0) } ?? dataPattern?.bytes ?? [] }
    }

    static func envelopes() throws -> [EnvelopeVector] { try load("envelopes", as: [EnvelopeVector].self) }

    struct InvalidEnvelope: Decodable {
        let name: String
        let rlp: String
        let error: String
    }

    static func invalidEnvelopes() throws -> [InvalidEnvelope] { try load("invalid_envelopes", as: [InvalidEnvelope].self) }

    struct PowDiff: Decodable {
        let rlpWithoutNonceLength: Int
        let leadingZeros: Int
        let ttl: UInt32
        let diff: UInt32
        let pow: Double
    }

    static func powDiff() throws -> [PowDiff] { try load("pow_diff", as: [PowDiff].self) }

    struct TargetBits: Decodable {
        let pow: Double
        let dataLength: Int
        let ttl: UInt32
        let bits: Int
    }

    static func targetBits() throws -> [TargetBits] { try load("target_bits", as: [TargetBits].self) }

    struct Blooms: Decodable {
        struct TopicBloom: Decodable { let topic: String; let bloom: String }
        struct Match: Decodable { let filter: String; let sample: String; let match: Bool }
        struct Union: Decodable { let topics: [String]; let bloom: String }
        let topics: [TopicBloom]
        let matches: [Match]
        let unions: [Union]
    }

    static func blooms() throws -> Blooms { try load("blooms", as: Blooms.self) }

    struct RLPSuite {
        struct Valid { let name: String; let value: RLPValue; let out: String }
        struct Invalid: Decodable { let name: String; let out: String }
        let valid: [Valid]
        let invalid: [Invalid]
    }

    static func rlpSuite() throws -> RLPSuite {
        struct Tree: Decodable {
            let list: [Tree]?
            let bytes: String?
            func value() throws -> RLPValue {
                if let list { return .list(try list.map { try $0.value() }) }
                return .bytes(try Hex.decode(bytes ?? ""))
            }
        }
        struct RawValid: Decodable { let name: String; let value: Tree; let out: String }
        struct Raw: Decodable { let valid: [RawValid]; let invalid: [RLPSuite.Invalid] }
        let raw = try load("rlp_suite", as: Raw.self)
        return RLPSuite(valid: try raw.valid.map { RLPSuite.Valid(name: $0.name, value: try $0.value.value(), out: $0.out) },
                        invalid: raw.invalid)
    }
}

enum VectorError: Error {
    case missing(String)
}
