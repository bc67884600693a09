/// The result of an audit: its scope, the size of the union, and one report per provider.
public struct AuditReport: Codable, Sendable, Equatable {
    /// The audited range of sent times (inclusive) and topics (empty: all).
    public var from: UInt32
    public var to: UInt32
    public var topics: [String]
    /// Distinct envelopes found across all providers and backed by a served envelope.
    public var union: Int
    /// One report per provider, in the order they were given.
    public var providers: [ProviderReport]
}
