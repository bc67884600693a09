/// Why a DNS lookup failed.
public enum DNSError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A server address that is not `HOST:PORT` (or `[IPv6]:PORT`), or that does not resolve.
    case invalidServer(String)
    /// /etc/resolv.conf names no usable `nameserver`.
    case noSystemServer
    /// A name that cannot be put in a query (an empty label, a label over 63 bytes, over 253 bytes).
    case invalidName(String)
    /// No answer within the timeout, after every attempt.
    case timeout(name: String)
    /// The server says the name does not exist (NXDOMAIN).
    case nameNotFound(String)
    /// The server answered with another error code (2 SERVFAIL, 5 REFUSED, ...).
    case serverFailure(name: String, rcode: UInt8)
    /// An answer that is not a well-formed DNS message for the question asked.
    case malformedResponse(String)
    /// A socket call failed.
    case network(String)

    public var description: String {
        switch self {
        case .invalidServer(let server): "'\(server)' is not a usable DNS server (HOST:PORT)"
        case .noSystemServer: "/etc/resolv.conf names no nameserver"
        case .invalidName(let name): "'\(name.prefix(80))' is not a DNS name that can be queried"
        case .timeout(let name): "no DNS answer for \(name) in time"
        case .nameNotFound(let name): "the DNS name \(name) does not exist"
        case .serverFailure(let name, let rcode): "the DNS server failed to answer for \(name) (rcode \(rcode))"
        case .malformedResponse(let reason): "malformed DNS answer: \(reason)"
        case .network(let reason): "DNS network failure: \(reason)"
        }
    }
}
