#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as bytes (4 or 16, network order).
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// An address from its 4 or 16 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// An address from canonical text: a dotted quad of decimal octets, or IPv6 text (RFC 4291
    /// §2.2, a trailing dotted quad allowed). No zone ids, brackets, octal or hex octets.
    public init?(_ text: String) {
        guard text.utf8.count <= 45 else { return nil }
        if text.contains(":") {
            var address = in6_addr()
            guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
            bytes = withUnsafeBytes(of: &address) { Array($0) }
        } else {
            // inet_pton's AF_INET form is exactly four decimal octets (no inet_aton shorthands).
            var address = in_addr()
            guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
            bytes = withUnsafeBytes(of: &address) { Array($0) }
        }
    }

    /// An address from the bytes of a `sockaddr_in` or `sockaddr_in6`, as `getaddrinfo`
    /// returns them; `nil` for another family or a short buffer.
    public init?(socketAddress: [UInt8]) {
        var storage = sockaddr_storage()
        guard socketAddress.count >= MemoryLayout<sockaddr_in>.size,
              socketAddress.count <= MemoryLayout<sockaddr_storage>.size else { return nil }
        withUnsafeMutableBytes(of: &storage) { $0.copyBytes(from: socketAddress) }
        switch Int32(storage.ss_family) {
        case AF_INET:
            var address = withUnsafeBytes(of: storage) { $0.load(as: sockaddr_in.self) }.sin_addr
            bytes = withUnsafeBytes(of: &address) { Array($0) }
        case AF_INET6:
            guard socketAddress.count >= MemoryLayout<sockaddr_in6>.size else { return nil }
            var address = withUnsafeBytes(of: storage) { $0.load(as: sockaddr_in6.self) }.sin6_addr
            bytes = withUnsafeBytes(of: &address) { Array($0) }
        default:
            return nil
        }
    }

    /// Whether this is an IPv4 address.
    public var isIPv4: Bool { bytes.count == 4 }

    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        var groups: [String] = []
        for index in stride(from: 0, to: 16, by: 2) {
            groups.append(String(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]), radix: 16))
        }
        // The longest run of two or more zero groups becomes "::" (RFC 5952 §4.2).
        var best = (start: -1, length: 0)
        var index = 0
        while index < 8 {
            guard groups[index] == "0" else { index += 1; continue }
            var end = index
            while end < 8, groups[end] == "0" { end += 1 }
            if end - index > best.length, end - index >= 2 { best = (index, end - index) }
            index = end
        }
        guard best.start >= 0 else { return groups.joined(separator: ":") }
        let head = groups[..<best.start].joined(separator: ":")
        let tail = groups[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }
}
