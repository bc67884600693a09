import Foundation

/// What a provider publishes about itself at `GET /v1/provider`, signed: who it is, what it
/// accepts, how long it keeps what, its limits, what it covers, and its measured capacity.
public struct ProviderDescriptor: Codable, Sendable, Equatable {
    public struct Retention: Codable, Sendable, Equatable {
        /// Seconds an envelope is kept after it was sent.
        public var maximumAge: UInt32
        /// PoW-priced tiers: envelopes with at least `minimumPoW` are kept `maximumAge` seconds.
        public var tiers: [Tier]
        /// Oldest envelopes are evicted beyond this many stored bytes, if set.
        public var maximumBytes: UInt64?

        public struct Tier: Codable, Sendable, Equatable {
            public var minimumPoW: Double
            public var maximumAge: UInt32
            public init(minimumPoW: Double, maximumAge: UInt32) {
                self.minimumPoW = minimumPoW
                self.maximumAge = maximumAge
            }
        }

        public init(maximumAge: UInt32, tiers: [Tier], maximumBytes: UInt64?) {
            self.maximumAge = maximumAge
            self.tiers = tiers
            self.maximumBytes = maximumBytes
        }
    }

    public struct Limits: Codable, Sendable, Equatable {
        public var maximumPageSize: Int
        public var maximumTopics: Int
        public var maximumBatch: Int
        public var maximumBodyBytes: Int
        /// Requests per second and burst per client; 0 means unlimited.
        public var ingestRate: Double
        public var ingestBurst: Double
        public var queryRate: Double
        public var queryBurst: Double
        public var maximumConcurrentQueries: Int

        public init(maximumPageSize: Int, maximumTopics: Int, maximumBatch: Int, maximumBodyBytes: Int,
                    ingestRate: Double, ingestBurst: Double, queryRate: Double, queryBurst: Double,
                    maximumConcurrentQueries: Int) {
            self.maximumPageSize = maximumPageSize
            self.maximumTopics = maximumTopics
            self.maximumBatch = maximumBatch
            self.maximumBodyBytes = maximumBodyBytes
            self.ingestRate = ingestRate
            self.ingestBurst = ingestBurst
            self.queryRate = queryRate
            self.queryBurst = queryBurst
            self.maximumConcurrentQueries = maximumConcurrentQueries
        }
    }

    public var version = 1
    /// Uncompressed secp256k1 public key, hex.
    public var publicKey: String
    public var address: String
    public var software: String
    /// Where clients reach the provider (as configured by the operator).
    public var endpoints: [String]
    public var minimumPoW: Double
    public var maximumEnvelopeSize: Int
    public var retention: Retention
    public var limits: Limits
    public var coverage: Coverage
    /// Figures from the last `mailvault bench --json` recorded by the operator (name → value), if any.
    public var benchmark: [String: Double]?
    /// Increases with every descriptor this key signs; a client keeps the highest it has seen.
    public var sequence: UInt64
    public var issuedAt: UInt32
    /// After this time (Unix seconds) the descriptor must be fetched again.
    public var expires: UInt32
    /// The push-notification offer, strictly parsed; absent when the node serves no push (and in
    /// descriptors older than the field).
    public var push: PushOffer?

    public init(publicKey: String, address: String, software: String, endpoints: [String], minimumPoW: Double,
                maximumEnvelopeSize: Int, retention: Retention, limits: Limits, coverage: Coverage,
                benchmark: [String: Double]?, sequence: UInt64, issuedAt: UInt32, expires: UInt32, push: PushOffer? = nil) {
        self.publicKey = publicKey
        self.address = address
        self.software = software
        self.endpoints = endpoints
        self.minimumPoW = minimumPoW
        self.maximumEnvelopeSize = maximumEnvelopeSize
        self.retention = retention
        self.limits = limits
        self.coverage = coverage
        self.benchmark = benchmark
        self.sequence = sequence
        self.issuedAt = issuedAt
        self.expires = expires
        self.push = push
    }
}

/// A signed statement of what the store held for an interval of sent times at `serverTime`:
/// the count and the XOR of the envelopes' hashes (a fingerprint in the spirit of Waku's store
/// sync: two stores with the same set have the same fingerprint).
public struct Checkpoint: Codable, Sendable, Equatable {
    public var version = 1
    public var provider: String
    /// The interval of sent times, inclusive.
    public var from: UInt32
    public var to: UInt32
    public var count: Int
    /// XOR of the 32-byte hashes, hex.
    public var fingerprint: String
    public var serverTime: UInt32

    public init(provider: String, from: UInt32, to: UInt32, count: Int, fingerprint: String, serverTime: UInt32) {
        self.provider = provider
        self.from = from
        self.to = to
        self.count = count
        self.fingerprint = fingerprint
        self.serverTime = serverTime
    }
}

extension ProviderDescriptor {
    /// The figures of a `mailvault bench --json` report, for the descriptor: every figure's and
    /// every ratio's median by name (`seal.1KiB.1thread.avx512`, `seal.1thread.vs.rehash`, ...).
    public static func benchmark(fromReport json: [UInt8]) throws(AccountabilityError) -> [String: Double] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
            throw .malformedDocument("the bench report is not a JSON object")
        }
        var figures: [String: Double] = [:]
        for list in ["figures", "ratios"] {
            for item in object[list] as? [[String: Any]] ?? [] {
                guard let name = item["name"] as? String, let median = (item["median"] as? NSNumber)?.doubleValue,
                      median.isFinite else { continue }
                figures[name] = median
            }
        }
        guard !figures.isEmpty else { throw .malformedDocument("the bench report has no figures") }
        return figures
    }
}
