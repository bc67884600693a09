import MailvaultAccountability

/// What probing one push-notification provider learned: its verified offer, whether it took a
/// probe registration, and how many probe notifications came back signed, how fast.
public struct PushProbeReport: Codable, Sendable, Equatable {
    /// The provider's base URL, as given.
    public var url: String
    /// Its address, from its verified descriptor.
    public var address: String?
    /// The `push` member of its verified descriptor; `nil` when it offers no push (or its
    /// descriptor could not be read: see `errors`).
    public var offer: PushOffer?
    /// Why the provider could not be probed, or what went wrong during the probe.
    public var errors: [String]
    /// Why the provider refused the probe registration (its answer), if it did.
    public var refused: String?
    /// Probe envelopes posted, and probe notifications that arrived with a valid signature.
    public var probes: Int
    public var delivered: Int
    /// Requests to the probe URL whose Standard Webhooks signature did not verify.
    public var badSignatures: Int
    /// From posting each delivered probe to its notification's arrival, in milliseconds.
    public var latenciesMilliseconds: [Double]

    /// An empty report for `url`.
    public init(url: String) {
        self.url = url
        address = nil
        offer = nil
        errors = []
        refused = nil
        probes = 0
        delivered = 0
        badSignatures = 0
        latenciesMilliseconds = []
    }

    /// The median of the latencies, if any probe was delivered.
    public var medianLatencyMilliseconds: Double? {
        let sorted = latenciesMilliseconds.sorted()
        guard !sorted.isEmpty else { return nil }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
