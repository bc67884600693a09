/// The `webhook-signature` header of Standard Webhooks: space-separated `<version>,<base64>`
/// entries (several while a secret is rotated). Only `v1` (HMAC-SHA256) entries are kept;
/// other versions (such as `v1a`, asymmetric) are skipped, as the specification asks.
public enum WebhookSignatureHeader {
    /// The `v1` signatures in `value`, decoded; at most 16 entries and 4 KiB are read.
    public static func parse(_ value: String) throws(PushError) -> [[UInt8]] {
        guard value.utf8.count <= 4096 else { throw .malformedWebhookHeaders("webhook-signature is longer than 4 KiB") }
        let entries = value.split(separator: " ")
        guard !entries.isEmpty else { throw .malformedWebhookHeaders("webhook-signature is empty") }
        guard entries.count <= 16 else { throw .malformedWebhookHeaders("more than 16 signatures") }
        var signatures: [[UInt8]] = []
        for entry in entries {
            guard let comma = entry.firstIndex(of: ",") else {
                throw .malformedWebhookHeaders("'\(entry.prefix(40))' is not <version>,<signature>")
            }
            guard entry[..<comma] == "v1" else { continue }
            guard let bytes = Base64Text.decode(entry[entry.index(after: comma)...]) else {
                throw .malformedWebhookHeaders("a v1 signature that is not base64")
            }
            signatures.append(bytes)
        }
        guard !signatures.isEmpty else { throw .malformedWebhookHeaders("no v1 signature") }
        return signatures
    }

    /// A `webhook-timestamp` value: Unix seconds in decimal digits.
    public static func timestamp(_ value: String) throws(PushError) -> Int64 {
        guard !value.isEmpty, value.utf8.count <= 12, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let seconds = Int64(value) else {
            throw .malformedWebhookHeaders("webhook-timestamp '\(value.prefix(20))' is not Unix seconds")
        }
        return seconds
    }

    /// A `webhook-id` value: 1 to 256 printable ASCII characters without `.` or space (it is
    /// joined with `.` into the signed content).
    public static func id(_ value: String) throws(PushError) -> String {
        guard !value.isEmpty, value.utf8.count <= 256,
              value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            throw .malformedWebhookHeaders("webhook-id must be 1 to 256 printable ASCII characters")
        }
        return value
    }
}
