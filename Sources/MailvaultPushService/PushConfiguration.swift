import MailvaultAccountability

/// How a node serves push registrations (Docs/Push.md): the caps, the operator's gorush and the
/// hosts it may deliver to despite the SSRF guard.
public struct PushConfiguration: Sendable {
    /// The operator's gorush (`POST {url}/api/push`); `nil` refuses gorush registrations.
    public var gorushURL: String?
    /// Hosts (exact, lowercased) a Web Push endpoint or webhook may name even though they are not
    /// public, over `http` too (`--push-allow-host`).
    public var allowHosts: Set<String> = []
    /// Registrations one client key may hold.
    public var maximumPerKey = 10
    /// Registrations made from one client address (an IPv4 address or an IPv6 /64) that may be live.
    public var maximumPerAddress = 100
    /// Topics one registration may watch.
    public var maximumTopics = 100
    /// Registrations the node holds in all.
    public var maximumTotal = 100_000
    /// The furthest in the future a registration's `expires` may be, in seconds.
    public var maximumLifetime: UInt32 = 30 * 86_400
    /// The largest registration request body.
    public var maximumBodyBytes = 16 * 1024
    /// What the operator charges, published in the offer (`--push-price`).
    public var price = PushPrice.free

    /// The defaults.
    public init() {}
}
