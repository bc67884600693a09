import MailvaultAccountability

/// A peer as the operator names it: its base URL and, optionally, the address it must sign as
/// (`https://b.example.org#0x1234…`, which pins the key from the start).
public struct PeerSpec: Hashable, Sendable, CustomStringConvertible {
    /// The base URL, without a trailing slash (`http://127.0.0.1:8081`).
    public let url: String
    /// The address the peer must sign its descriptor with, when the operator pinned one.
    public let pinned: ProviderAddress?

    /// Parses `URL` or `URL#0xADDRESS`; only `http` and `https` URLs with a host, no query.
    public init(_ text: String) throws(FederationError) {
        let parts = text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        var url = String(parts[0])
        while url.hasSuffix("/") { url.removeLast() }
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw .invalidPeer(text, reason: "a peer URL starts with http:// or https://")
        }
        let rest = url.drop { $0 != ":" }.dropFirst(3)
        guard let host = rest.split(separator: "/", maxSplits: 1).first, !host.isEmpty, !host.hasPrefix(":") else {
            throw .invalidPeer(text, reason: "the URL has no host")
        }
        guard !url.contains("?"), !url.contains(" ") else {
            throw .invalidPeer(text, reason: "a peer URL has no query and no spaces")
        }
        self.url = url
        if parts.count == 2 {
            do {
                pinned = try ProviderAddress(hex: String(parts[1]))
            } catch {
                throw .invalidPeer(text, reason: "the pinned address after '#' is not 20 bytes of hex")
            }
        } else {
            pinned = nil
        }
    }

    /// Every peer in a comma- or whitespace-separated list (`MAILVAULT_PEERS`).
    public static func list(_ text: String) throws(FederationError) -> [PeerSpec] {
        var specs: [PeerSpec] = []
        for item in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }) {
            specs.append(try PeerSpec(String(item)))
        }
        return specs
    }

    public var description: String { pinned.map { "\(url)#\($0)" } ?? url }
}
