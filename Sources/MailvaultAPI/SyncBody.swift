import MailvaultCore

/// The sync protocol's plain bodies (Docs/Sync.md): the hash list of `POST /v1/sync/envelopes`
/// and the announcements of `GET /v1/sync/live`. Negentropy messages have their own codec
/// (MailvaultSync).
public enum SyncBody {
    /// The most hashes one envelope-batch request may carry.
    public static let maximumHashes = 1000
    /// The most keys one announcement may carry (one stored batch; a POST carries at most 1000).
    public static let maximumAnnouncedKeys = 10_000

    /// A hash list: `32 × n` bytes, `1 ≤ n ≤ limit`.
    public static func hashes(_ body: [UInt8], limit: Int = maximumHashes) throws(APIError) -> [Hash256] {
        guard !body.isEmpty, body.count % 32 == 0 else {
            throw .malformedBody("the body is a list of 32-byte hashes; \(body.count) bytes is not one")
        }
        guard body.count / 32 <= limit else {
            throw APIError(status: 413, code: "tooManyHashes", message: "at most \(limit) hashes per request, got \(body.count / 32)")
        }
        return stride(from: 0, to: body.count, by: 32).map { Hash256(bytes: body[$0..<$0 + 32])! }
    }

    /// The body of a hash list.
    public static func encode(hashes: some Collection<Hash256>) -> [UInt8] {
        var body = [UInt8]()
        body.reserveCapacity(hashes.count * 32)
        for hash in hashes { hash.withBytes { body += $0 } }
        return body
    }

    /// The Server-Sent Event announcing `keys`: `event: keys`, then `data: ` and the keys as
    /// comma-separated `0x` hex (72 digits each).
    public static func announcement(_ keys: some Collection<EnvelopeKey>) -> [UInt8] {
        var out = Array("event: keys\ndata: ".utf8)
        out.reserveCapacity(out.count + keys.count * 75 + 2)
        for (index, key) in keys.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += Array(key.description.utf8)
        }
        out += Array("\n\n".utf8)
        return out
    }

    /// The keys of an announcement's `data:` value (what follows `data: `): 1 to `limit` keys.
    public static func announcedKeys(_ value: some Collection<UInt8>, limit: Int = maximumAnnouncedKeys) throws(APIError) -> [EnvelopeKey] {
        var keys: [EnvelopeKey] = []
        for item in value.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            guard keys.count < limit else {
                throw .malformedBody("an announcement carries at most \(limit) keys")
            }
            do {
                keys.append(try EnvelopeKey(hex: String(decoding: item, as: UTF8.self)))
            } catch {
                throw .malformedBody("an announcement is a comma-separated list of 36-byte hex keys: \(error)")
            }
        }
        return keys
    }
}
