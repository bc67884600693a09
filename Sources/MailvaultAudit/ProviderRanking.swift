/// Providers ordered by a score a user can read the reasons for.
///
/// The score (0...1) weighs four measured components, each 0...1:
/// - completeness: the share of the audit's union the provider's signed answer held;
/// - latency: the fastest provider's median round trip over this one's;
/// - success: requests answered correctly over requests made;
/// - policy: half retention (kept for 30 days or more scores 1), half minimum PoW (the lowest
///   minimum among the providers scores 1: a higher one refuses envelopes others accept).
/// Proven omissions halve the score: signed evidence of withholding weighs more than any figure.
/// Status chose a mailserver at random among the quarter with the best round trip; `pick` keeps
/// that option over this score, so that load spreads over the good providers.
public struct ProviderRanking: Sendable {
    /// How much each component counts; they need not sum to 1 (the score is normalised).
    public struct Weights: Codable, Sendable, Equatable {
        public var completeness = 0.4
        public var latency = 0.25
        public var success = 0.2
        public var policy = 0.15

        public init() {}
    }

    /// One ranked provider.
    public struct Entry: Codable, Sendable, Equatable {
        public var rank: Int
        public var url: String
        public var address: String?
        public var score: Double
        public var completeness: Double
        public var latency: Double
        public var success: Double
        public var policy: Double
        /// Why the score is what it is, in words.
        public var reasons: [String]
    }

    /// Retention at or beyond this scores full marks (seconds).
    public static let fullRetention: UInt32 = 30 * 86_400

    /// Best first; ties keep the order the providers were given in.
    public let entries: [Entry]

    /// Ranks the providers of an audit report.
    public init(_ reports: [ProviderReport], weights: Weights = Weights()) {
        let fastest = reports.compactMap(\.latencyMilliseconds).min()
        let lowestPoW = reports.compactMap { $0.policy?.minimumPoW }.min()
        var entries: [Entry] = []
        for report in reports {
            var reasons: [String] = []
            let completeness = report.completeness ?? 0
            if let value = report.completeness {
                reasons.append("held \(ProviderRanking.percent(value)) of the envelopes found across providers")
            } else {
                reasons.append("its answer could not be read in full, so completeness counts as 0")
            }
            var latency = 0.0
            if let median = report.latencyMilliseconds, let fastest {
                latency = median <= 0 ? 1 : min(1, max(fastest, 0.001) / median)
                reasons.append("median round trip \(ProviderRanking.milliseconds(median))")
            } else {
                reasons.append("no round trip could be measured")
            }
            let success = report.successRate
            if report.failures > 0 {
                reasons.append("\(report.failures) of \(report.requests) requests failed")
            }
            var policy = 0.0
            if let published = report.policy {
                let retention = min(1, Double(published.retention) / Double(ProviderRanking.fullRetention))
                let pow = published.minimumPoW <= (lowestPoW ?? 0) ? 1 : (lowestPoW ?? 0) / published.minimumPoW
                policy = (retention + pow) / 2
                reasons.append("keeps envelopes \(ProviderRanking.days(published.retention)), minimum PoW \(published.minimumPoW)")
            } else {
                reasons.append("no verified descriptor, so its policy is unknown")
            }
            let total = weights.completeness + weights.latency + weights.success + weights.policy
            var score = total > 0
                ? (weights.completeness * completeness + weights.latency * latency + weights.success * success
                    + weights.policy * policy) / total
                : 0
            if report.provenOmissions > 0 {
                score /= 2
                reasons.append("withheld \(report.provenOmissions) envelope(s), with signed evidence")
            }
            if report.unservedKeys > 0 {
                reasons.append("listed \(report.unservedKeys) hash(es) that no provider could serve")
            }
            entries.append(Entry(rank: 0, url: report.url, address: report.address, score: score,
                                 completeness: completeness, latency: latency, success: success, policy: policy,
                                 reasons: reasons))
        }
        // Stable on ties: the order the providers were given in.
        let ordered = entries.enumerated().sorted { ($0.element.score, -$0.offset) > ($1.element.score, -$1.offset) }
        self.entries = ordered.enumerated().map { position, item in
            var entry = item.element
            entry.rank = position + 1
            return entry
        }
    }

    /// The best quarter (at least one provider).
    public var topQuarter: ArraySlice<Entry> {
        entries.prefix(max(1, (entries.count + 3) / 4))
    }

    /// A provider chosen at random among the top quarter, as Status's mailserver selection did.
    public func pick(using generator: inout some RandomNumberGenerator) -> Entry? {
        topQuarter.randomElement(using: &generator)
    }

    static func percent(_ value: Double) -> String {
        let tenths = (value * 1000).rounded() / 10
        return "\(tenths)%"
    }

    static func milliseconds(_ value: Double) -> String {
        "\((value * 10).rounded() / 10) ms"
    }

    static func days(_ seconds: UInt32) -> String {
        seconds % 86_400 == 0 ? "\(seconds / 86_400) days" : "\(seconds) s"
    }
}
