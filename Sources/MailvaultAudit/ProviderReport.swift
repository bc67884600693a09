import MailvaultAccountability

/// What an audit learned about one provider: how fast and reliably it answered, what it
/// publishes about itself, how complete its answer was against the union of all providers'
/// answers, and which missing envelopes it can be proven to have withheld.
public struct ProviderReport: Codable, Sendable, Equatable {
    /// A provider's published policy, from its verified descriptor.
    public struct Policy: Codable, Sendable, Equatable {
        /// The software and version the provider runs.
        public var software: String
        /// Envelopes below this PoW are refused.
        public var minimumPoW: Double
        /// The largest envelope accepted (20 + data bytes).
        public var maximumEnvelopeSize: Int
        /// Seconds envelopes are kept by default, and the longer PoW-priced tiers.
        public var retention: UInt32
        public var retentionTiers: [ProviderDescriptor.Retention.Tier]
        /// The largest page the provider serves.
        public var maximumPageSize: Int
        /// The descriptor's sequence number and expiry (Unix seconds).
        public var sequence: UInt64
        public var expires: UInt32
    }

    /// An envelope of the union this provider's answer lacks.
    public struct Missing: Codable, Sendable, Equatable {
        /// The envelope's hash, sent time and topic.
        public var hash: String
        public var sent: UInt32
        public var topic: String
        /// Whether the evidence proves an omission (else `reason` says why it does not, for
        /// example a gap the provider declared).
        public var proven: Bool
        public var reason: String
        /// The evidence file's name, for proven omissions.
        public var evidenceFile: String?

        public init(hash: String, sent: UInt32, topic: String, proven: Bool, reason: String, evidenceFile: String? = nil) {
            self.hash = hash
            self.sent = sent
            self.topic = topic
            self.proven = proven
            self.reason = reason
            self.evidenceFile = evidenceFile
        }
    }

    /// The provider's base URL, as given.
    public var url: String
    /// The provider's address, from its descriptor or its receipts.
    public var address: String?
    public var policy: Policy?
    /// The coverage the provider vouched for in its last receipt (or its descriptor).
    public var coverage: Coverage?
    /// Why part of the audit of this provider failed, if it did.
    public var errors: [String]
    /// Requests made to the provider, and those that failed or were answered wrongly.
    public var requests: Int
    public var failures: Int
    /// Requests answered correctly, over requests made.
    public var successRate: Double
    /// Median round trip of the light requests (health and descriptor), in milliseconds.
    public var latencyMilliseconds: Double?
    /// Verified pages of its answer.
    public var pages: Int
    /// Keys in this provider's answer.
    public var keys: Int
    /// Whether every page of the range was fetched and verified.
    public var answerComplete: Bool
    /// Keys of the union this provider holds, over the union (`nil` when its answer is unknown).
    public var completeness: Double?
    /// Keys this provider listed that no provider could serve as a valid envelope.
    public var unservedKeys: Int
    /// Envelopes of the union this provider lacks, with the verdict on each.
    public var missing: [Missing]

    /// A report made elsewhere than by `Audit` (a client that remembers earlier syncs), so that
    /// `ProviderRanking` can rank what it measured.
    public init(url: String, address: String?, policy: Policy?, coverage: Coverage?, errors: [String], requests: Int,
                failures: Int, successRate: Double, latencyMilliseconds: Double?, pages: Int, keys: Int,
                answerComplete: Bool, completeness: Double?, unservedKeys: Int, missing: [Missing]) {
        self.url = url
        self.address = address
        self.policy = policy
        self.coverage = coverage
        self.errors = errors
        self.requests = requests
        self.failures = failures
        self.successRate = successRate
        self.latencyMilliseconds = latencyMilliseconds
        self.pages = pages
        self.keys = keys
        self.answerComplete = answerComplete
        self.completeness = completeness
        self.unservedKeys = unservedKeys
        self.missing = missing
    }

    /// The number of proven omissions.
    public var provenOmissions: Int { missing.filter(\.proven).count }
}
