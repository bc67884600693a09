import MailvaultCore

/// A range's digest: the first 16 bytes of SHA-256 over the ids' sum (32 bytes, little-endian,
/// mod 2^256) followed by the varint of their count (docs/negentropy-protocol-v1.md,
/// "Fingerprint Algorithm").
public struct Fingerprint: Hashable, Sendable, CustomStringConvertible {
    /// The fingerprint size on the wire.
    public static let size = 16

    /// The 16 bytes.
    public let bytes: [UInt8]

    /// The fingerprint of the set `summary` describes.
    public init(_ summary: KeySetSummary) {
        var input = summary.sumBytes
        Varint.append(summary.count, to: &input)
        bytes = Array(SHA256.hash(input).prefix(Fingerprint.size))
    }

    /// A fingerprint from its 16 bytes; `nil` for any other length.
    public init?<C: Collection<UInt8>>(bytes: C) {
        guard bytes.count == Fingerprint.size else { return nil }
        self.bytes = Array(bytes)
    }

    public var description: String { Hex.encode(bytes) }
}
