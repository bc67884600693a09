import Foundation

/// The checks a client-chosen push URL (a webhook, a Web Push endpoint) passes before the node
/// stores it, and again before every connection: the SSRF guard's pure part (Docs/Push.md).
///
/// A URL is `https://host[:port]/path` with no user info and no fragment. Its host is refused when
/// it is, or resolves to, an address that is not public: loopback, private (RFC 1918, RFC 4193),
/// link-local (where cloud metadata services answer, 169.254.169.254), shared (100.64/10),
/// unspecified, multicast, broadcast, documentation and benchmark ranges, IPv4-mapped forms of
/// those. An operator's allow-list (`--push-allow-host`) opens named hosts exactly, with `http`
/// too: that is how a node reaches a receiver on its own host (and how the tests do).
public enum PushURL {
    /// The parts the node connects with.
    public struct Parts: Sendable, Equatable {
        /// `http` or `https`.
        public var scheme: String
        /// The host as written, lowercased, IPv6 literals without brackets.
        public var host: String
        /// The port, the scheme's default when none is written.
        public var port: Int
    }

    /// `url` checked for shape only (length, scheme, host, no user info or fragment); the policy
    /// is `check`.
    public static func syntax(_ url: String, field: String) throws(APIError) -> String {
        _ = try parts(url, field: field)
        return url
    }

    /// The parts of a well-formed URL.
    public static func parts(_ url: String, field: String) throws(APIError) -> Parts {
        guard (1...PushRegistrationBody.maximumURLLength).contains(url.utf8.count),
              url.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .malformedBody("\(field) is 1 to \(PushRegistrationBody.maximumURLLength) printable ASCII characters", field: field)
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "https" || scheme == "http" else {
            throw .malformedBody("\(field) must be an https URL", field: field)
        }
        guard components.user == nil, components.password == nil, components.fragment == nil else {
            throw .malformedBody("\(field) must not carry user info or a fragment", field: field)
        }
        guard var host = components.host?.lowercased(), !host.isEmpty else {
            throw .malformedBody("\(field) has no host", field: field)
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else { throw .malformedBody("\(field) has an invalid port", field: field) }
        return Parts(scheme: scheme, host: host, port: port)
    }

    /// `url` checked against the policy without resolving its host: `https` unless the host is
    /// allowed, and a literal address must be public unless allowed. 422 when refused.
    public static func check(_ url: String, field: String, allowHosts: Set<String>) throws(APIError) -> Parts {
        let parts = try parts(url, field: field)
        if allowHosts.contains(parts.host) { return parts }
        guard parts.scheme == "https" else {
            throw APIError(status: 422, code: "destinationRefused", message: "\(field) must use https", parameter: field)
        }
        if parts.host == "localhost" || parts.host.hasSuffix(".localhost") || !parts.host.contains(".") && !parts.host.contains(":") {
            throw APIError(status: 422, code: "destinationRefused", message: "\(field) names a local host", parameter: field)
        }
        if let address = IPAddressText(parts.host), let range = address.nonPublicRange {
            throw APIError(status: 422, code: "destinationRefused",
                           message: "\(field) is a \(range) address; push targets must be public", parameter: field)
        }
        return parts
    }

    /// Whether a resolved address may be connected to for `host`: public, or `host` allowed.
    public static func permits(address: IPAddressText, host: String, allowHosts: Set<String>) -> Bool {
        allowHosts.contains(host) || address.nonPublicRange == nil
    }
}

/// An IPv4 or IPv6 address parsed from text, and which non-public range it falls in.
public struct IPAddressText: Sendable, Equatable, CustomStringConvertible {
    /// 4 or 16 bytes, network order.
    public let bytes: [UInt8]

    /// Parses a literal address (dotted quad, or IPv6 in any RFC 4291 text form); `nil` otherwise.
    public init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: v6) { Array($0) }
        } else {
            return nil
        }
    }

    /// An address from its 4 or 16 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    public var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }

    /// The name of the non-public range the address is in, `nil` for a public address.
    public var nonPublicRange: String? {
        if bytes.count == 4 { return IPAddressText.v4Range(bytes) }
        let b = bytes
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF {
            return IPAddressText.v4Range(Array(b[12..<16])).map { "IPv4-mapped \($0)" }
        }
        if b[0..<15].allSatisfy({ $0 == 0 }) { return b[15] == 1 ? "loopback" : (b[15] == 0 ? "unspecified" : "IPv4-compatible") }
        if b[0] == 0 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B { return "NAT64" } // 64:ff9b::/96 reaches IPv4 space
        if b[0] & 0xFE == 0xFC { return "private" } // fc00::/7
        if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return "link-local" } // fe80::/10
        if b[0] == 0xFE && b[1] & 0xC0 == 0xC0 { return "site-local" } // fec0::/10
        if b[0] == 0xFF { return "multicast" }
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8 { return "documentation" } // 2001:db8::/32
        if b[0] == 0x20 && b[1] == 0x02 { return "6to4" } // 2002::/16 embeds IPv4 addresses
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0 { return "Teredo" } // 2001::/32
        return nil
    }

    private static func v4Range(_ b: [UInt8]) -> String? {
        switch (b[0], b[1]) {
        case (0, _): return "unspecified"
        case (10, _): return "private"
        case (100, 64...127): return "shared"
        case (127, _): return "loopback"
        case (169, 254): return "link-local"
        case (172, 16...31): return "private"
        case (192, 168): return "private"
        case (192, 0) where b[2] == 0 || b[2] == 2: return b[2] == 0 ? "IETF protocol" : "documentation"
        case (198, 18...19): return "benchmarking"
        case (198, 51) where b[2] == 100: return "documentation"
        case (203, 0) where b[2] == 113: return "documentation"
        case (224...239, _): return "multicast"
        case (240...255, _): return "reserved"
        default: return nil
        }
    }
}
