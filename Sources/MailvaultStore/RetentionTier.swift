/// One PoW-priced retention tier: envelopes with at least `minimumPoW` are kept `maximumAge` seconds.
public struct RetentionTier: Hashable, Sendable, Codable {
    /// The least PoW an envelope needs to be in this tier.
    public var minimumPoW: Double
    /// How long envelopes of this tier are kept, in seconds after their sent time.
    public var maximumAge: UInt32

    /// A tier keeping envelopes with at least `minimumPoW` for `maximumAge` seconds.
    public init(minimumPoW: Double, maximumAge: UInt32) {
        self.minimumPoW = minimumPoW
        self.maximumAge = maximumAge
    }
}
