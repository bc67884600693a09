import Foundation
import HTTPTypes
import Hummingbird

/// The key a client's requests are counted under for rate limits and subscription shares.
enum ClientAddress {
    /// The client's address: the socket's peer or, when the operator said a trusted proxy sets
    /// it, the last `X-Forwarded-For` entry (the one the proxy itself appended; earlier entries
    /// come from the client and can be forged), as its `bucket`.
    static func of(_ request: Request, _ context: ServerContext, trustForwardedFor: Bool) -> String {
        var address = context.remoteAddress?.ipAddress ?? "unknown"
        if trustForwardedFor, let forwarded = request.headers[forwardedFor], let last = forwarded.split(separator: ",").last {
            address = last.trimmingCharacters(in: .whitespaces)
        }
        return bucket(address)
    }

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

    private static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
}
