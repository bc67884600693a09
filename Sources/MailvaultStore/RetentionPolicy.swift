/// How long envelopes are kept, and how large the archive may grow.
///
/// An envelope's retention age is the `maximumAge` of the tier with the highest `minimumPoW` it
/// reaches, or the policy's `maximumAge` when it reaches none. It is removed by the first sweep
/// after `sent + age < now`. With `maximumBytes` set, sweeps then remove the oldest envelopes
/// (by sent time) until the stored records fit.
public struct RetentionPolicy: Hashable, Sendable {
    /// 30 days: how long Status ran its mailservers' history.
    public static let defaultMaximumAge: UInt32 = 30 * 24 * 3600

    /// Age limit of envelopes in no tier, seconds.
    public var maximumAge: UInt32
    /// PoW-priced tiers (any order; at most 255).
    public var tiers: [RetentionTier]
    /// Upper bound on the stored records' bytes (`StoreStats.storedBytes`); `nil` for none.
    public var maximumBytes: UInt64?

    /// A policy; the defaults keep everything 30 days, with no tiers and no size cap.
    public init(maximumAge: UInt32 = RetentionPolicy.defaultMaximumAge, tiers: [RetentionTier] = [],
                maximumBytes: UInt64? = nil) {
        self.maximumAge = maximumAge
        self.tiers = tiers
        self.maximumBytes = maximumBytes
    }

    /// Tiers sorted by minimum PoW; tier number `i + 1` is `sortedTiers[i]`, tier 0 is the base.
    var sortedTiers: [RetentionTier] { tiers.sorted { ($0.minimumPoW, $0.maximumAge) < ($1.minimumPoW, $1.maximumAge) } }

    /// The tier number of an envelope with this PoW (0 when it reaches no tier).
    func tier(forPoW pow: Double, sorted: [RetentionTier]) -> UInt8 {
        var tier: UInt8 = 0
        for (index, candidate) in sorted.enumerated() where pow >= candidate.minimumPoW {
            tier = UInt8(index + 1)
        }
        return tier
    }

    /// Age limit of a tier number.
    func maximumAge(ofTier tier: UInt8, sorted: [RetentionTier]) -> UInt32 {
        tier == 0 ? maximumAge : sorted[Int(tier) - 1].maximumAge
    }

    /// A canonical text of the tiers, recorded in the database to notice a changed configuration.
    var tierSignature: [UInt8] {
        Array(sortedTiers.map { "\($0.minimumPoW.bitPattern):\($0.maximumAge)" }.joined(separator: ",").utf8)
    }
}
