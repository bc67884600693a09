/// Where a running sync is, reported as it goes (at most every few hundred milliseconds per
/// phase, and once at each phase's end).
public struct SyncProgress: Sendable, Equatable {
    /// The phases of a sync, in order.
    public enum Phase: String, Sendable {
        /// Finding and measuring providers.
        case discovering
        /// Reading the signed hash lists of the chosen providers.
        case listing
        /// Fetching and storing the envelopes not held yet.
        case fetching
        /// Writing evidence of proven omissions.
        case evidence
    }

    /// The phase running.
    public var phase: Phase
    /// Items done and, when known, the total: providers probed, keys listed, envelopes stored,
    /// omissions checked.
    public var done: Int
    public var total: Int?

    /// A report of `done` of `total` items in `phase`.
    public init(phase: Phase, done: Int, total: Int?) {
        self.phase = phase
        self.done = done
        self.total = total
    }

    /// One line for a terminal, such as `fetching: 12000/100000 envelopes`.
    public var line: String {
        let unit = switch phase {
        case .discovering: "providers"
        case .listing: "keys listed"
        case .fetching: "envelopes stored"
        case .evidence: "omissions checked"
        }
        return "\(phase.rawValue): \(done)\(total.map { "/\($0)" } ?? "") \(unit)"
    }
}
