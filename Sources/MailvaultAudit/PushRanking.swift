import MailvaultAccountability

/// Push-notification providers ordered by a score with its reasons, as `ProviderRanking` orders
/// stores.
///
/// The score (0...1) weighs four components, each 0...1:
/// - success: probe notifications delivered with a valid signature, over probes posted (0 when
///   the probe registration was refused);
/// - latency: `(fastest + 1 s) / (median + 1 s)`, medians of the time from posting an envelope
///   to its notification's arrival. The second added to both sides is the scale at which a
///   notification's delay matters to a person: 20 ms against 60 ms is no difference, a batching
///   window of several seconds is;
/// - price: what `notificationsPerMonth` cost a month. Free scores 1. Priced offers are compared
///   within their token unit: the cheapest scores 1 (0.5 when some provider offers push for
///   free), others the cheapest cost over theirs;
/// - policy: the mean of registration lifetime (30 days or more scores 1: fewer renewals),
///   caps (10 registrations per key and 100 topics each score 1) and persistence (retrying
///   undelivered notifications for a day or more scores 1).
/// Providers without a push offer are listed last with score 0.
public struct PushRanking: Sendable {
    /// How much each component counts; they need not sum to 1 (the score is normalised).
    public struct Weights: Codable, Sendable, Equatable {
        public var success = 0.35
        public var latency = 0.3
        public var price = 0.2
        public var policy = 0.15

        public init() {}
    }

    /// One ranked provider.
    public struct Entry: Codable, Sendable, Equatable {
        public var rank: Int
        public var url: String
        public var address: String?
        /// Whether its verified descriptor carries a push offer.
        public var offersPush: Bool
        public var score: Double
        public var success: Double
        public var latency: Double
        public var price: Double
        public var policy: Double
        /// The median probe latency in milliseconds, if any probe was delivered.
        public var medianLatencyMilliseconds: Double?
        /// What the stated volume costs a month, in `unit` (0 when free); `nil` without an offer.
        public var monthlyCost: Double?
        public var unit: String?
        /// The offer as published.
        public var offer: PushOffer?
        /// Why the score is what it is, in words.
        public var reasons: [String]
    }

    /// A registration lifetime at or beyond this scores full marks (seconds).
    public static let fullLifetime: UInt32 = 30 * 86_400
    /// Retrying for this long or longer scores full marks (seconds).
    public static let fullPersistence: UInt32 = 86_400
    /// Caps at or beyond these score full marks.
    public static let fullPerKey = 10
    public static let fullTopics = 100
    /// Added to both medians before comparing them (milliseconds).
    public static let latencyScale = 1000.0

    /// Best first; ties keep the order the providers were given in.
    public let entries: [Entry]

    /// Ranks probed providers for a volume of `notificationsPerMonth`.
    public init(_ reports: [PushProbeReport], notificationsPerMonth: UInt64, weights: Weights = Weights()) {
        let fastest = reports.compactMap(\.medianLatencyMilliseconds).min()
        let offers = reports.compactMap(\.offer)
        let someFree = offers.contains { $0.price.monthlyCost(notifications: notificationsPerMonth) == 0 }
        var cheapest: [String: Double] = [:]
        for offer in offers {
            guard let unit = offer.price.unit else { continue }
            let cost = offer.price.monthlyCost(notifications: notificationsPerMonth)
            guard cost > 0 else { continue }
            cheapest[unit] = min(cheapest[unit] ?? cost, cost)
        }
        var entries: [Entry] = []
        for report in reports {
            var entry = Entry(rank: 0, url: report.url, address: report.address, offersPush: report.offer != nil, score: 0,
                              success: 0, latency: 0, price: 0, policy: 0,
                              medianLatencyMilliseconds: report.medianLatencyMilliseconds, monthlyCost: nil,
                              unit: report.offer?.price.unit, offer: report.offer, reasons: [])
            guard let offer = report.offer else {
                entry.reasons = report.errors.isEmpty ? ["does not offer push: its descriptor has no push offer"]
                    : report.errors.map { "could not be probed: \($0)" }
                entries.append(entry)
                continue
            }
            var reasons: [String] = []
            // Success and latency, as measured.
            if let refused = report.refused {
                reasons.append("refused the probe registration: \(refused)")
            } else if report.probes > 0 {
                entry.success = Double(report.delivered) / Double(report.probes)
                reasons.append("\(report.delivered) of \(report.probes) probe notifications arrived, signed")
            } else {
                reasons.append("no probe could be posted")
            }
            if report.badSignatures > 0 {
                reasons.append("\(report.badSignatures) request(s) to the probe URL had a bad signature")
            }
            reasons += report.errors
            if let median = report.medianLatencyMilliseconds, let fastest {
                entry.latency = min(1, (fastest + PushRanking.latencyScale) / (median + PushRanking.latencyScale))
                reasons.append("median delivery \(ProviderRanking.milliseconds(median))")
            }
            if offer.batchWindow > 0 {
                reasons.append("holds notifications for batching windows of \(PushRanking.seconds(offer.batchWindow)) (hides arrival times, adds up to that much latency)")
            }
            // Price, for the stated volume.
            let cost = offer.price.monthlyCost(notifications: notificationsPerMonth)
            entry.monthlyCost = cost
            if offer.price.isFree {
                entry.price = 1
                reasons.append("free")
            } else if cost == 0 {
                entry.price = 1
                reasons.append("costs nothing for \(notificationsPerMonth) notifications a month (\(offer.price))")
            } else {
                let unit = offer.price.unit ?? ""
                entry.price = (cheapest[unit] ?? cost) / cost * (someFree ? 0.5 : 1)
                reasons.append("costs \(PushRanking.amount(cost)) \(unit) a month for \(notificationsPerMonth) notifications (\(offer.price))")
                if cheapest.count > 1 { reasons.append("priced in \(unit): compared only with offers in \(unit)") }
            }
            // Policy, as published.
            let lifetime = min(1, Double(offer.maximumLifetime) / Double(PushRanking.fullLifetime))
            let caps = (min(1, Double(offer.maximumPerKey) / Double(PushRanking.fullPerKey))
                + min(1, Double(offer.maximumTopics) / Double(PushRanking.fullTopics))) / 2
            let persistence = min(1, Double(offer.maximumAge) / Double(PushRanking.fullPersistence))
            entry.policy = (lifetime + caps + persistence) / 3
            reasons.append("registrations last up to \(PushRanking.duration(offer.maximumLifetime)), \(offer.maximumPerKey) per key, \(offer.maximumTopics) topics each; retries \(offer.maximumAttempts) times over \(PushRanking.duration(offer.maximumAge))")
            let direct = offer.targets.filter { $0 != "gorush" }.joined(separator: ", ")
            reasons.append(offer.platforms.isEmpty ? "delivers to \(direct); no mobile platform (no gorush)"
                           : "delivers to \(offer.platforms.joined(separator: " and ")) through gorush, \(direct)")
            let total = weights.success + weights.latency + weights.price + weights.policy
            entry.score = total > 0
                ? (weights.success * entry.success + weights.latency * entry.latency + weights.price * entry.price
                    + weights.policy * entry.policy) / total
                : 0
            entry.reasons = reasons
            entries.append(entry)
        }
        // Offers first, then by score; ties keep the order the providers were given in.
        let ordered = entries.enumerated().sorted {
            ($0.element.offersPush ? 1 : 0, $0.element.score, -$0.offset) > ($1.element.offersPush ? 1 : 0, $1.element.score, -$1.offset)
        }
        self.entries = ordered.enumerated().map { position, item in
            var entry = item.element
            entry.rank = position + 1
            return entry
        }
    }

    /// `1 day`, `30 days`, `12 h`, `90 s`.
    static func duration(_ seconds: UInt32) -> String {
        if seconds % 86_400 == 0 { return seconds == 86_400 ? "1 day" : "\(seconds / 86_400) days" }
        return seconds % 3600 == 0 ? "\(seconds / 3600) h" : "\(seconds) s"
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    /// A cost with at most 6 decimals, without trailing zeros.
    public static func amount(_ value: Double) -> String {
        var text = String((value * 1_000_000).rounded() / 1_000_000)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
}
