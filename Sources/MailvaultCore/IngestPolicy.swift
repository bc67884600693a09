/// What a node accepts: the parameters of go-ethereum's `add()` checks.
public struct IngestPolicy: Sendable, Equatable {
    /// go-ethereum's default minimum PoW (`DefaultMinimumPoW`).
    public static let defaultMinimumPoW = 0.2
    /// The minimum PoW status-go mailservers ran with.
    public static let statusMinimumPoW = 0.000002
    /// go-ethereum's default maximum envelope size (`DefaultMaxMessageSize`, 1 MiB).
    public static let defaultMaximumSize = 1 << 20
    /// The largest maximum size a node may configure (`MaxMessageSize`, 10 MiB).
    public static let hardMaximumSize = 10 << 20
    /// Seconds an envelope may be early or late (`DefaultSyncAllowance`).
    public static let syncAllowance: UInt32 = 10

    /// Envelopes whose PoW is below this are refused.
    public var minimumPoW: Double
    /// Envelopes whose size (20 + data length) is above this are refused; at most
    /// `hardMaximumSize`.
    public var maximumSize: Int
    /// The node's topic filter; `nil` (or `Bloom.full`) accepts every topic.
    public var bloom: Bloom?

    /// A policy; `maximumSize` is clamped to `hardMaximumSize`.
    public init(minimumPoW: Double = IngestPolicy.defaultMinimumPoW,
                maximumSize: Int = IngestPolicy.defaultMaximumSize,
                bloom: Bloom? = nil) {
        self.minimumPoW = minimumPoW
        self.maximumSize = min(maximumSize, IngestPolicy.hardMaximumSize)
        self.bloom = bloom
    }
}
