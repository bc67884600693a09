import Foundation

/// The key a client's requests are counted under for rate limits and subscription shares.
enum ClientAddress {
    /// An IPv4 address as it is; an IPv6 address as its /64 prefix (a host usually holds a whole
    /// /64, so counting single addresses would let it rotate through fresh budgets).
    static func bucket(_ address: String) -> String {
        guard address.contains(":") else { return address }
        var bytes = in6_addr()
        guard inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        return withUnsafeBytes(of: bytes) { raw in
            raw.prefix(8).map { String(format: "%02x", $0) }.joined() + "::/64"
        }
    }
}
