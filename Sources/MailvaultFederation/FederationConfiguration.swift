import MailvaultAccountability

/// What federation is told: the peers, how often to reconcile, and the bounds that hold whatever
/// a peer sends.
public struct FederationConfiguration: Sendable {
    /// The peers to keep complete with (`--peer`, `MAILVAULT_PEERS`).
    public var peers: [PeerSpec] = []
    /// Seconds between reconciliation rounds with each peer, jittered by ±20%; 0 reconciles only
    /// at start, after a relay reconnect, and on demand.
    public var syncInterval: UInt32 = 300
    /// Whether to follow each peer's announcements (live relay).
    public var relay = true
    /// The bounds on peers.
    public var limits = FederationLimits()
    /// The bounds of the provider directory.
    public var directory = ProviderDirectory.Limits()

    /// The defaults: no peers.
    public init() {}
}

/// Fixed bounds on what a peer can make this node hold, send or wait for (Docs/Sync.md).
public struct FederationLimits: Sendable {
    /// The frame size limit of both roles: 1 KiB under the 1 MiB any Mailvault peer reads, so
    /// that a difference of 10,000 in a million takes 13 exchanges rather than 23 at 512 KiB.
    public var frameSizeLimit = (1 << 20) - 1024
    /// The largest Negentropy message read, asked or answered (the parser's own limit).
    public var maximumMessageBytes = 1 << 20
    /// Hashes per envelope-batch request, asked or answered.
    public var maximumFetch = 1000
    /// Bytes of envelopes one batch answer may carry; the server stops before it and says where.
    public var fetchBudgetBytes = 8 << 20
    /// The largest envelope-batch answer read (the budget, plus one maximum-size envelope).
    public var maximumFetchBytes = (8 << 20) + (10 << 20) + 64
    /// Message exchanges one reconciliation may take before it is abandoned. An empty node
    /// joining a peer of a million envelopes needs about 35 (32 MB of ids in 1 MiB frames);
    /// a difference found by splitting needs about 6.
    public var maximumExchanges = 4096
    /// Hashes one reconciliation may ask to fetch before it is abandoned.
    public var maximumNeeds = 20_000_000
    /// Seconds a request may take, answer included.
    public var requestTimeout: Duration = .seconds(30)
    /// The longest line of the announcement stream.
    public var maximumAnnouncementLine = 1 << 20
    /// Hashes remembered as refused by this node's rules, so they are not fetched again.
    public var refusedMemory = 100_000
    /// Fetch batches in flight ahead of the one being stored.
    public var fetchAhead = 2

    /// The defaults.
    public init() {}
}
