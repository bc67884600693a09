import MailvaultCore
import MailvaultStore

/// The one way envelopes enter an archive: every PoW checked in SIMD lanes, the node's rules
/// applied in go-ethereum's order, the survivors stored as one durable batch, and an outcome for
/// each envelope in input order. `mailvault serve`, `mailvault import` and every later source
/// (peers, sync) go through it.
public struct IngestPipeline: Sendable {
    /// Where accepted envelopes go.
    public let archive: any Archive
    /// The rules envelopes must pass.
    public let policy: IngestPolicy
    /// `.live` for clients (clock checks), `.archive` for imports and peers (no clock checks).
    public let mode: IngestPolicy.Mode
    /// Told of every batch, after it is durable (metrics, live push, coverage).
    public let observers: [any IngestObserver]

    /// A pipeline into `archive`.
    public init(archive: any Archive, policy: IngestPolicy, mode: IngestPolicy.Mode, observers: [any IngestObserver] = []) {
        self.archive = archive
        self.policy = policy
        self.mode = mode
        self.observers = observers
    }

    /// The outcome of each envelope, in input order. Rejected envelopes are never stored; a
    /// store failure stores nothing of the batch and is thrown (observers hear of it first).
    public func ingest(_ envelopes: [Envelope], now: UInt32) async throws(StoreError) -> [IngestOutcome] {
        let checks = Envelope.checkWork(batch: envelopes)
        var outcomes: [IngestOutcome?] = Array(repeating: nil, count: envelopes.count)
        var accepted: [(index: Int, pow: Double)] = []
        accepted.reserveCapacity(envelopes.count)
        for index in envelopes.indices {
            switch policy.check(envelopes[index], now: now, mode: mode, work: checks[index]) {
            case .success(let pow):
                accepted.append((index, pow))
            case .failure(let reason):
                outcomes[index] = IngestOutcome(hash: checks[index].hash, status: .rejected, reason: reason)
            }
        }
        var report = IngestReport(received: envelopes.count)
        if !accepted.isEmpty {
            let results: [IngestResult]
            do {
                results = try await archive.ingest(accepted.map { envelopes[$0.index] }, work: accepted.map { checks[$0.index] })
            } catch {
                report.failed = accepted.count
                report.outcomes = outcomes.compactMap { $0 }
                notify(report, now: now)
                throw error
            }
            for (position, result) in results.enumerated() {
                let (index, pow) = accepted[position]
                switch result {
                case .stored(let hash):
                    outcomes[index] = IngestOutcome(hash: hash, status: .stored)
                    report.stored.append(StoredEnvelope(envelope: envelopes[index], hash: hash, pow: pow))
                case .duplicate(let hash):
                    outcomes[index] = IngestOutcome(hash: hash, status: .duplicate)
                }
            }
        }
        report.outcomes = outcomes.map { $0! }
        notify(report, now: now)
        return report.outcomes
    }

    private func notify(_ report: IngestReport, now: UInt32) {
        for observer in observers { observer.observe(report, now: now) }
    }
}

/// Told of every batch an `IngestPipeline` handled. Called on the ingesting task once the batch
/// is durable: an observer must not block (publish, count, note, return).
public protocol IngestObserver: Sendable {
    /// What became of one batch that arrived at `now`.
    func observe(_ report: IngestReport, now: UInt32)
}

/// What became of one batch: counts for metrics, the stored envelopes for live push.
public struct IngestReport: Sendable {
    /// Envelopes in the batch.
    public var received: Int
    /// One per envelope, in input order; on a store failure, only the rejections.
    public var outcomes: [IngestOutcome] = []
    /// The envelopes newly stored, in input order.
    public var stored: [StoredEnvelope] = []
    /// Envelopes that passed the rules but could not be stored (the archive failed).
    public var failed = 0

    /// An empty report of a batch of `received` envelopes.
    public init(received: Int) {
        self.received = received
    }
}

/// An envelope the archive newly stored, with what the pipeline learned of it.
public struct StoredEnvelope: Sendable {
    /// The envelope.
    public var envelope: Envelope
    /// Its hash (its identity).
    public var hash: Hash256
    /// Its PoW, as the rules computed it.
    public var pow: Double

    /// A stored envelope with its hash and PoW.
    public init(envelope: Envelope, hash: Hash256, pow: Double) {
        self.envelope = envelope
        self.hash = hash
        self.pow = pow
    }
}
