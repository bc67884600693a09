import Foundation
import MailvaultCore

/// The vectors `Scripts/vectors/make_sync_vectors.py` computed with Python's hashlib and its own
/// Negentropy encoder, never with the Swift code under test.
struct SyncVectors: Decodable {
    struct Digest: Decodable { let seed: Int, length: Int, digest: String }
    struct VarintCase: Decodable { let value: String, hex: String }
    struct FingerprintCase: Decodable {
        let name: String
        let ids: [String]?
        let patternSeed: Int?
        let patternCount: Int?
        let sum: String
        let fingerprint: String
    }
    struct MessageRange: Decodable {
        let timestamp: String?
        let prefix: String
        let mode: Int
        let fingerprint: String?
        let ids: [String]?
    }
    struct MessageCase: Decodable { let name: String, hex: String, ranges: [MessageRange] }

    let sha256: [Digest]
    let varints: [VarintCase]
    let fingerprints: [FingerprintCase]
    let messages: [MessageCase]

    static func load() throws -> SyncVectors {
        guard let url = Bundle.module.url(forResource: "sync", withExtension: "json", subdirectory: "Vectors") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try JSONDecoder().decode(SyncVectors.self, from: Data(contentsOf: url))
    }

    /// The generator's byte pattern: byte i of pattern `seed`.
    static func pattern(seed: Int, length: Int) -> [UInt8] {
        (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 7 &+ ($0 >> 8)) }
    }

    /// The generator's pattern ids: byte j of id `index` of set `seed`.
    static func patternID(seed: Int, index: Int) -> Hash256 {
        let bytes = (0..<32).map { UInt8(truncatingIfNeeded: index * 7 + $0 * 13 + seed * 101 + (index >> 8) * 3) }
        return Hash256(bytes: bytes)!
    }
}
