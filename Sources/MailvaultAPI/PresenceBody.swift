import Foundation
import MailvaultCore

/// The body of `POST /v1/presence`: `{"hashes":["0x…", ...]}`, at most `maximumHashes`.
public enum PresenceBody {
    /// The most hashes one request may ask about.
    public static let maximumHashes = 10_000

    /// The hashes, each exactly 32 bytes of hex.
    public static func decode(_ body: [UInt8]) throws(APIError) -> [Hash256] {
        let texts = try JSONErrors.decode(Body.self, from: body).hashes
        guard texts.count <= maximumHashes else {
            throw .malformedBody("at most \(maximumHashes) hashes per request, got \(texts.count)", field: "hashes")
        }
        var hashes: [Hash256] = []
        hashes.reserveCapacity(texts.count)
        for (index, text) in texts.enumerated() {
            let field = "hashes[\(index)]"
            let bytes = try JSONErrors.hex(text, field: field)
            guard let hash = Hash256(bytes: bytes) else {
                throw .malformedBody("a hash is 32 bytes, got \(bytes.count)", field: field)
            }
            hashes.append(hash)
        }
        return hashes
    }

    private struct Body: Decodable {
        var hashes: [String]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: JSONKey.self)
            try JSONErrors.requireOnly(["hashes"], in: container)
            hashes = try JSONErrors.field([String].self, "hashes", in: container)
        }
    }
}
