/// What kind of network an address belongs to, for deciding whether push delivery may reach it.
public enum AddressClass: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// Globally routable.
    case `public`
    /// 127.0.0.0/8, ::1.
    case loopback
    /// RFC 1918 (10/8, 172.16/12, 192.168/16), IPv6 site-local fec0::/10, NAT64 local-use 64:ff9b:1::/48.
    case privateNetwork = "private"
    /// Carrier-grade NAT, 100.64.0.0/10 (RFC 6598).
    case carrierGradeNAT = "carrier-grade NAT"
    /// 169.254.0.0/16 (including the 169.254.169.254 cloud metadata service), fe80::/10.
    case linkLocal = "link-local"
    /// IPv6 unique local addresses, fc00::/7 (RFC 4193).
    case uniqueLocal = "unique local"
    /// 0.0.0.0/8, ::.
    case unspecified
    /// 224.0.0.0/4, ff00::/8.
    case multicast
    /// 255.255.255.255.
    case broadcast
    /// 192.0.2/24, 198.51.100/24, 203.0.113/24 (RFC 5737), 2001:db8::/32, 3fff::/20 (RFC 9637).
    case documentation
    /// 198.18.0.0/15 (RFC 2544), 2001:2::/48 (RFC 5180).
    case benchmarking
    /// Reserved or special-purpose: 240/4, 192.0.0/24, 192.88.99/24, 100::/64 and the like.
    case reserved

    public var description: String { rawValue }
}

/// A destination URL taken apart: what push delivery connects to.
public struct DestinationURL: Sendable, Equatable {
    /// `https` or `http`, lower case.
    public let scheme: String
    /// The host, lower case, without brackets for IPv6 literals or a trailing dot.
    public let host: String
    /// The explicit port, if any.
    public let port: Int?
    /// The IP literal the host is, if it is one.
    public let address: IPAddress?

    /// `scheme://host[:port]`: VAPID's `aud` (RFC 8292 §2).
    public var origin: String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(hostText)" + (port.map { ":\($0)" } ?? "")
    }
}

/// The pure part of the guard against server-side request forgery: which URLs push delivery may
/// call and which resolved addresses it may connect to. The delivering code resolves the host,
/// calls `check` with every address, and connects only to those addresses.
public enum DestinationPolicy {
    /// The class of `address`; IPv6 forms that embed an IPv4 address (mapped, compatible,
    /// NAT64, 6to4, Teredo) are classed by what they embed when that is not public.
    public static func classify(_ address: IPAddress) -> AddressClass {
        let b = address.bytes
        if address.isIPv4 { return classifyIPv4(b) }
        let zeroPrefix = b[0..<10].allSatisfy { $0 == 0 }
        if zeroPrefix, b[10] == 0xff, b[11] == 0xff { return classifyIPv4(Array(b[12..<16])) }  // ::ffff:a.b.c.d
        if zeroPrefix, b[10] == 0, b[11] == 0 {
            if b[12..<15].allSatisfy({ $0 == 0 }) {
                if b[15] == 0 { return .unspecified }
                if b[15] == 1 { return .loopback }
            }
            return classifyIPv4(Array(b[12..<16]))  // ::a.b.c.d, IPv4-compatible (deprecated)
        }
        if b[0] == 0x00, b[1] == 0x64, b[2] == 0xff, b[3] == 0x9b {
            if b[4..<12].allSatisfy({ $0 == 0 }) { return classifyIPv4(Array(b[12..<16])) }  // 64:ff9b::/96
            if b[4] == 0, b[5] == 1 { return .privateNetwork }  // 64:ff9b:1::/48, RFC 8215
        }
        if b[0] == 0x20, b[1] == 0x02 {  // 6to4, 2002:V4ADDR::/48
            let embedded = classifyIPv4(Array(b[2..<6]))
            return embedded == .public ? .public : embedded
        }
        if b[0] == 0x20, b[1] == 0x01, b[2] == 0, b[3] == 0 {  // Teredo, 2001::/32: server, then client XOR 0xff
            let server = classifyIPv4(Array(b[4..<8]))
            if server != .public { return server }
            let client = classifyIPv4(b[12..<16].map { $0 ^ 0xff })
            return client == .public ? .public : client
        }
        if b[0] & 0xfe == 0xfc { return .uniqueLocal }
        if b[0] == 0xfe, b[1] & 0xc0 == 0x80 { return .linkLocal }
        if b[0] == 0xfe, b[1] & 0xc0 == 0xc0 { return .privateNetwork }
        if b[0] == 0xff { return .multicast }
        if b[0] == 0x20, b[1] == 0x01, b[2] == 0x0d, b[3] == 0xb8 { return .documentation }
        if b[0] == 0x3f, b[1] == 0xff, b[2] & 0xf0 == 0 { return .documentation }
        if b[0] == 0x20, b[1] == 0x01, b[2] == 0, b[3] == 0x02, b[4] == 0, b[5] == 0 { return .benchmarking }
        if b[0] == 0x01, b[1..<8].allSatisfy({ $0 == 0 }) { return .reserved }  // 100::/64, discard
        // Only 2000::/3 is allocated as global unicast; everything else is reserved.
        if b[0] & 0xe0 != 0x20 { return .reserved }
        return .public
    }

    static func classifyIPv4(_ b: [UInt8]) -> AddressClass {
        switch (b[0], b[1], b[2]) {
        case (0, _, _): return .unspecified
        case (127, _, _): return .loopback
        case (10, _, _): return .privateNetwork
        case (172, 16...31, _): return .privateNetwork
        case (192, 168, _): return .privateNetwork
        case (100, 64...127, _): return .carrierGradeNAT
        case (169, 254, _): return .linkLocal
        case (192, 0, 2), (198, 51, 100), (203, 0, 113): return .documentation
        case (198, 18...19, _): return .benchmarking
        case (192, 0, 0), (192, 88, 99): return .reserved
        case (224...239, _, _): return .multicast
        case (255, 255, 255) where b[3] == 255: return .broadcast
        case (240...255, _, _): return .reserved
        default: return .public
        }
    }

    /// Takes a destination URL apart, refusing what push delivery never calls: schemes other than
    /// `http`/`https`, userinfo, an empty or malformed host, a bad port, and hosts that look
    /// numeric but are not a canonical dotted quad (`2130706433`, `0177.0.0.1`, `0x7f.1`), which
    /// resolvers read as IP addresses in surprising ways. At most 2 KiB.
    public static func parseURL(_ text: String) throws(PushError) -> DestinationURL {
        guard text.utf8.count <= 2048 else { throw .invalidURL("longer than 2 KiB") }
        guard let separator = text.firstRange(of: "://") else { throw .invalidURL("no scheme://") }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard scheme == "https" || scheme == "http" else { throw .schemeNotAllowed(scheme) }
        let rest = text[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else { throw .userinfoNotAllowed }
        guard !authority.contains(where: { $0 == "\\" || $0 == "%" || $0.isWhitespace }) else {
            throw .invalidURL("the authority holds '\\', '%' or white space")
        }
        var hostPart = Substring(authority)
        var port: Int?
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { throw .invalidURL("an unclosed [") }
            let after = hostPart[hostPart.index(after: close)...]
            port = try parsePort(after)
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
            guard let address = IPAddress(String(hostPart)), !address.isIPv4 else {
                throw .invalidURL("[\(hostPart)] is not an IPv6 address")
            }
            return DestinationURL(scheme: scheme, host: address.description, port: port, address: address)
        }
        if let colon = hostPart.lastIndex(of: ":") {
            port = try parsePort(hostPart[colon...])
            hostPart = hostPart[..<colon]
        }
        var host = hostPart.lowercased()
        if host.hasSuffix(".") { host.removeLast() }
        guard !host.isEmpty else { throw .invalidURL("no host") }
        guard host.utf8.count <= 253 else { throw .invalidURL("the host is longer than 253 characters") }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 63 }) else { throw .invalidURL("an empty or over-long label") }
        guard host.utf8.allSatisfy({ isHostCharacter($0) }) else {
            throw .invalidURL("the host holds characters other than letters, digits, '-' and '.'")
        }
        // WHATWG URL rule: a host whose last label is numeric (decimal or 0x hex) is an IPv4
        // address; only the canonical dotted quad is accepted, so resolvers cannot disagree.
        if let last = labels.last, looksNumeric(last) || host.utf8.allSatisfy({ isDigitDotOrX($0) }) {
            guard let address = IPAddress(host), address.isIPv4, canonicalQuad(labels) else {
                throw .invalidURL("\(host) is an IP address in a non-canonical form")
            }
            return DestinationURL(scheme: scheme, host: host, port: port, address: address)
        }
        return DestinationURL(scheme: scheme, host: host, port: port, address: nil)
    }

    /// The part of `check` that needs no resolution, for the moment a registration names `url`:
    /// `https` unless allow-listed, and a host that is not plainly local (an IP literal that is not
    /// public, `localhost`, `*.localhost`, a single-label name). Delivery checks again with the
    /// addresses the host resolves to then, since DNS answers change.
    @discardableResult
    public static func checkBeforeResolving(url: String, allowHosts: Set<String>) throws(PushError) -> DestinationURL {
        let destination = try parseURL(url)
        if allowHosts.contains(destination.host) || allowHosts.contains(destination.origin) { return destination }
        guard destination.scheme == "https" else { throw .schemeNotAllowed(destination.scheme) }
        if let literal = destination.address {
            let kind = classify(literal)
            guard kind == .public else { throw .addressNotAllowed(host: destination.host, address: "\(literal)", class: kind) }
        } else if destination.host == "localhost" || destination.host.hasSuffix(".localhost") || !destination.host.contains(".") {
            throw .addressNotAllowed(host: destination.host, address: destination.host, class: .loopback)
        }
        return destination
    }

    /// Decides whether push delivery may call `url` after its host resolved to `resolved`:
    /// `https` (or `http` for a host in `allowHosts`), no userinfo, and every address public
    /// unless the host is allow-listed. An IP literal host is checked as its own resolution.
    @discardableResult
    public static func check(url: String, resolved: [IPAddress], allowHosts: Set<String>) throws(PushError) -> DestinationURL {
        let destination = try parseURL(url)
        let allowed = allowHosts.contains(destination.host) || allowHosts.contains(destination.origin)
        guard destination.scheme == "https" || allowed else { throw .schemeNotAllowed(destination.scheme) }
        var addresses = resolved
        if let literal = destination.address { addresses.append(literal) }
        guard !addresses.isEmpty else { throw .noAddresses(host: destination.host) }
        guard !allowed else { return destination }
        for address in addresses {
            let kind = classify(address)
            guard kind == .public else { throw .addressNotAllowed(host: destination.host, address: "\(address)", class: kind) }
        }
        return destination
    }

    static func parsePort(_ text: Substring) throws(PushError) -> Int? {
        guard !text.isEmpty else { return nil }
        guard text.first == ":" else { throw .invalidURL("text after the host that is not :port") }
        let digits = text.dropFirst()
        guard !digits.isEmpty, digits.utf8.count <= 5, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let port = Int(digits), (1...65535).contains(port) else {
            throw .invalidURL("port '\(digits.prefix(8))' is not 1...65535")
        }
        return port
    }

    static func isHostCharacter(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x2e
    }

    static func isDigitDotOrX(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || c == 0x2e || c == 0x78 }

    static func looksNumeric(_ label: Substring) -> Bool {
        if label.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return true }
        guard label.hasPrefix("0x") else { return false }
        return label.dropFirst(2).utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    static func canonicalQuad(_ labels: [Substring]) -> Bool {
        labels.count == 4 && labels.allSatisfy { label in
            label.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) && (label == "0" || !label.hasPrefix("0"))
                && (Int(label).map { $0 <= 255 } ?? false)
        }
    }
}
