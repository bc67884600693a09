import MailvaultAudit

/// What a sync did, for a person or a script (`mailvault client sync --json` prints it).
public struct SyncSummary: Codable, Sendable, Equatable {
    /// One provider's part.
    public struct Provider: Codable, Sendable, Equatable {
        /// Its base URL, and its address when its descriptor verified.
        public var url: String
        public var address: String?
        /// `asked` (its hash list was read), `reserve` (ranked, not needed), `failed` (asked but
        /// its list could not be read in full), `slow` (its list was cut off: it took more than
        /// three times as long as the first complete one), `unreachable` (no verified
        /// descriptor, or no answer to the probe).
        public var role: String
        /// Keys in its signed hash list for the range.
        public var listed: Int
        /// Whether its whole hash list for the range was read and verified.
        public var listComplete: Bool
        /// Envelopes it served that were verified and newly stored (a hedged batch's envelopes
        /// count for the provider whose answer stored them first).
        public var envelopesGiven: Int
        /// Envelopes of the union its list lacks (known only when its list is complete).
        public var missing: Int?
        /// Evidence files written against it in this sync (an omission already on file from an
        /// earlier sync is not written or counted again, but still weighs in the ranking).
        public var evidenceWritten: Int
        /// Median round trip of its light requests, and of all its requests (milliseconds).
        public var latencyMilliseconds: Double?
        public var medianRequestMilliseconds: Double?
        public var requests: Int
        public var failures: Int
        /// Why requests failed or answers were refused (the first few).
        public var errors: [String]
    }

    /// The range and topic set synced.
    public var from: UInt32
    public var to: UInt32
    public var topics: [String]
    /// Distinct keys listed across the providers asked.
    public var union: Int
    /// Of those, already in the local store before this sync.
    public var alreadyHeld: Int
    /// Envelopes fetched, verified and stored in this sync.
    public var fetched: Int
    /// Listed keys that could not be fetched because the providers listing them failed (they
    /// hold the high-water key back, and make the sync incomplete).
    public var unfetched: Int
    /// Listed keys every provider listing them answered without when asked: listings of
    /// nothing, counted against those providers in the ranking; they hold nothing back.
    public var listedNotServed: Int
    /// Evidence files written in this sync (new ones only).
    public var evidenceWritten: Int
    /// Whether every listed envelope that a provider serves is stored and at least one
    /// provider's whole list was read.
    public var complete: Bool
    /// The topic set's high-water key after the sync (hex), if any.
    public var highWater: String?
    /// Wall-clock seconds the sync took, and each phase's share (`discover`, `list`, `fetch`,
    /// `evidence`).
    public var seconds: Double
    public var phaseSeconds: [String: Double]
    /// Every provider considered, in the order of the ranking after the sync.
    public var providers: [Provider]
    /// The ranking of the providers that answered, with what this sync measured.
    public var ranking: [ProviderRanking.Entry]
}
