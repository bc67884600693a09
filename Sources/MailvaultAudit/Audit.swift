import MailvaultAccountability
import MailvaultCore

/// A cross-provider audit of one range of sent times (and optionally topics).
///
/// Each provider is asked for the hashes of the range, page by page, and every page's receipt is
/// verified against the page. The union of all answers is what the network holds as far as
/// these providers know; a key that some provider lacks is fetched as a full envelope from one
/// that lists it (and dropped from the union if none can serve a valid one, so a provider cannot
/// make the others look incomplete by listing invented hashes). For each provider and each
/// served envelope it lacks, the page of its answer that vouches for that key becomes
/// `OmissionEvidence`; the audit keeps the evidence `check()` proves, and reports the rest with
/// the reason it proves nothing (a declared gap, a PoW below the provider's minimum, ...).
public struct Audit: Sendable {
    /// The providers, in the order reports are returned.
    public var providers: [ProviderClient]
    /// The range of sent times, inclusive.
    public var from: UInt32
    public var to: UInt32
    /// Topics to audit; empty audits every topic.
    public var topics: [Topic]
    /// Keys per page asked of each provider.
    public var pageLimit = HistoryQuery.maximumLimit
    /// Pages per provider after which the audit stops reading its answer.
    public var maximumPages = 10_000
    /// Health pings per provider for the latency figure.
    public var latencySamples = 3

    public init(providers: [ProviderClient], from: UInt32, to: UInt32, topics: [Topic] = []) {
        self.providers = providers
        self.from = from
        self.to = to
        self.topics = topics
    }

    /// A proven omission, ready to be written to `file`.
    public struct Finding: Sendable {
        /// The provider's URL.
        public var provider: String
        /// The file name the report gives this evidence.
        public var file: String
        public var evidence: OmissionEvidence
    }

    /// The report and the proven evidence it refers to.
    public struct Result: Sendable {
        public var report: AuditReport
        /// Every proven omission, across providers.
        public var findings: [Finding]
    }

    /// Runs the audit; failures of single providers end up in their reports, never here.
    public func run() async -> Result {
        var observations = await withTaskGroup(of: (Int, Observation).self) { group in
            for (index, client) in providers.enumerated() {
                group.addTask { (index, await observe(client)) }
            }
            var out = [Observation?](repeating: nil, count: providers.count)
            for await (index, observation) in group { out[index] = observation }
            return out.map { $0 ?? Observation() }
        }

        let answered = observations.indices.filter { observations[$0].answered }
        var holders: [EnvelopeKey: [Int]] = [:]
        var topicOf: [EnvelopeKey: Topic] = [:]
        for index in answered {
            for page in observations[index].pages {
                for entry in page.entries {
                    let key = EnvelopeKey(sent: entry.sent, hash: entry.hash)
                    holders[key, default: []].append(index)
                    topicOf[key] = entry.topic
                }
            }
        }

        // Keys some answering provider lacks: fetch each once, from a provider that lists it.
        var served: [EnvelopeKey: Envelope] = [:]
        var unserved: Set<EnvelopeKey> = []
        for key in holders.keys.sorted() where holders[key]!.count < answered.count {
            var envelope: Envelope?
            for index in holders[key]! where envelope == nil {
                envelope = await fetch(key, from: index, into: &observations)
            }
            if let envelope { served[key] = envelope } else { unserved.insert(key) }
        }
        let union = holders.keys.filter { !unserved.contains($0) }.sorted()

        var reports: [ProviderReport] = []
        var findings: [Finding] = []
        for (index, client) in providers.enumerated() {
            let observation = observations[index]
            let address = observation.identity?.address.description ?? observation.pages.first?.receipt.signer.description
            var missing: [ProviderReport.Missing] = []
            if observation.answered {
                for key in union where !observation.held.contains(key) {
                    guard let envelope = served[key] else { continue }
                    var entry = ProviderReport.Missing(hash: key.hash.description, sent: key.sent,
                                                       topic: envelope.topic.description, proven: false,
                                                       reason: "no verified page of this provider's answer vouches for it")
                    if let page = observation.pages.first(where: { $0.covers(key) }) {
                        let evidence = OmissionEvidence(receipt: page.receipt, keys: page.keys, envelope: envelope)
                        let verdict = evidence.check()
                        entry.proven = verdict.proven
                        entry.reason = verdict.reason
                        if verdict.proven {
                            let file = "omission-\(page.receipt.signer)-\(key.hash).json"
                            entry.evidenceFile = file
                            findings.append(Finding(provider: client.url, file: file, evidence: evidence))
                        }
                    }
                    missing.append(entry)
                }
            }
            let held = union.lazy.filter { observation.held.contains($0) }.count
            let unservedKeys = unserved.lazy.filter { observation.held.contains($0) }.count
            reports.append(ProviderReport(
                url: client.url, address: address, policy: observation.identity.map(Audit.policy),
                coverage: observation.pages.last?.statement.coverage ?? observation.identity?.descriptor.coverage,
                errors: observation.errors, requests: observation.requests, failures: observation.failures,
                successRate: observation.requests == 0 ? 0 : Double(observation.requests - observation.failures) / Double(observation.requests),
                latencyMilliseconds: Audit.median(observation.light),
                pages: observation.pages.count, keys: observation.held.count, answerComplete: observation.complete,
                completeness: observation.complete ? (union.isEmpty ? 1 : Double(held) / Double(union.count)) : nil,
                unservedKeys: unservedKeys, missing: missing))
        }
        let report = AuditReport(from: from, to: to, topics: topics.map(\.description), union: union.count,
                                 providers: reports)
        return Result(report: report, findings: findings)
    }

    /// What one provider answered.
    struct Observation: Sendable {
        var identity: ProviderIdentity?
        var pages: [HashesPage] = []
        var held: Set<EnvelopeKey> = []
        var errors: [String] = []
        var requests = 0
        var failures = 0
        var light: [Duration] = []
        var complete = false

        /// Whether any verified part of the answer arrived.
        var answered: Bool { complete || !pages.isEmpty }

        mutating func record<T>(_ attempt: () async throws(AuditError) -> T) async -> T? {
            requests += 1
            do {
                return try await attempt()
            } catch {
                failures += 1
                errors.append(error.description)
                return nil
            }
        }
    }

    private func observe(_ client: ProviderClient) async -> Observation {
        var observation = Observation()
        if let answer = await observation.record({ () async throws(AuditError) in try await client.descriptor() }) {
            observation.identity = answer.value
            observation.light.append(answer.elapsed)
        }
        for _ in 0..<latencySamples {
            // One failed ping says enough; the rest would only repeat it.
            guard let elapsed = await observation.record({ () async throws(AuditError) in try await client.ping() }) else {
                break
            }
            observation.light.append(elapsed)
        }
        // Never ask for larger pages than the provider says it serves.
        let limit = min(pageLimit, max(1, observation.identity?.descriptor.limits.maximumPageSize ?? pageLimit))
        var query = HistoryQuery(from: from, to: to, topics: topics, limit: limit)
        while observation.pages.count < maximumPages {
            let asked = query
            guard let answer = await observation.record({ () async throws(AuditError) in try await client.hashes(asked) }) else {
                break
            }
            let page = answer.value
            if let identity = observation.identity, page.receipt.signer != identity.address {
                observation.errors.append("a receipt is signed by \(page.receipt.signer), not by the descriptor's \(identity.address)")
            }
            observation.pages.append(page)
            for key in page.keys { observation.held.insert(key) }
            guard let next = page.next else {
                observation.complete = true
                break
            }
            query.cursor = next
        }
        if !observation.complete, observation.pages.count >= maximumPages {
            observation.errors.append("stopped after \(maximumPages) pages")
        }
        return observation
    }

    /// The envelope of `key` from provider `index`, if it serves a valid one within the audit's
    /// scope; a provider that lists a key and does not serve it is counted as failing.
    private func fetch(_ key: EnvelopeKey, from index: Int, into observations: inout [Observation]) async -> Envelope? {
        let client = providers[index]
        guard let answer = await observations[index].record({ () async throws(AuditError) in
            try await client.envelope(hash: key.hash)
        }) else { return nil }
        guard let envelope = answer.value else {
            observations[index].failures += 1
            observations[index].errors.append("lists \(key.hash) but answers 404 for it")
            return nil
        }
        guard envelope.sentTime == key.sent, from <= key.sent, key.sent <= to,
              topics.isEmpty || topics.contains(envelope.topic) else {
            observations[index].failures += 1
            observations[index].errors.append("lists \(key.hash) at \(key.sent), but the envelope does not match the listing or the query")
            return nil
        }
        return envelope
    }

    /// The policy a verified descriptor publishes, as reports carry it.
    public static func policy(_ identity: ProviderIdentity) -> ProviderReport.Policy {
        let descriptor = identity.descriptor
        return ProviderReport.Policy(software: descriptor.software, minimumPoW: descriptor.minimumPoW,
                                     maximumEnvelopeSize: descriptor.maximumEnvelopeSize,
                                     retention: descriptor.retention.maximumAge, retentionTiers: descriptor.retention.tiers,
                                     maximumPageSize: descriptor.limits.maximumPageSize, sequence: descriptor.sequence,
                                     expires: descriptor.expires)
    }

    /// The median in milliseconds; `nil` for no samples.
    static func median(_ durations: [Duration]) -> Double? {
        guard !durations.isEmpty else { return nil }
        let sorted = durations.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15 }.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
