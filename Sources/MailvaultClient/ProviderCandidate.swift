import MailvaultAccountability

/// A provider a source named: where to reach it, and its verified descriptor when the source
/// already carried one (a directory does; a bare URL does not, and the client fetches it).
public struct ProviderCandidate: Sendable {
    /// The provider's base URL, without a trailing slash.
    public var url: String
    /// The descriptor, verified (signed by the key it publishes), if the source gave one.
    public var identity: ProviderIdentity?

    /// A candidate at `url`, with the descriptor the source verified, if any.
    public init(url: String, identity: ProviderIdentity? = nil) {
        self.url = url
        self.identity = identity
    }
}
