import Foundation
import MailvaultCore
import MailvaultStore

/// `ingest`: durable ingest of 1 KiB random-payload envelopes (what encrypted messages look
/// like) into a fresh temporary store, in batches of 1000 from one caller, the store hashing
/// each envelope as a node does — against the raw LMDB loop writing the same keys and values
/// with the same durable commits. Each run starts from an empty directory.
struct IngestSection: BenchSection {
    static let name = BenchSectionName.ingest
    static let payloadSize = 1024

    func run(in context: BenchContext) async throws {
        guard let scratch = context.scratch else { throw BenchError("ingest: no temporary directory") }
        let plan = context.plan
        context.progress.step("generating \(plan.ingestEnvelopes) envelopes")
        let envelopes = IngestSection.envelopes(plan.ingestEnvelopes)
        let work = Envelope.checkWork(batch: envelopes)
        var keys: [UInt8] = []
        var values: [UInt8] = []
        var offsets = [0]
        keys.reserveCapacity(envelopes.count * 36)
        values.reserveCapacity(envelopes.count * (IngestSection.payloadSize + 32))
        for (envelope, check) in zip(envelopes, work) {
            keys += EnvelopeKey(sent: envelope.sentTime, hash: check.hash).bytes
            values += envelope.encoded
            offsets.append(values.count)
        }
        let loop = LMDBIngestLoop(keys: keys, keySize: 36, values: values, offsets: offsets)
        let batches = stride(from: 0, to: envelopes.count, by: plan.ingestBatch).map {
            Array(envelopes[$0..<min($0 + plan.ingestBatch, envelopes.count)])
        }
        let rlpBytes = Double(values.count)
        var fileRatios: [Double] = []
        var run = 0

        try await context.measure(Self.name, [
            BenchCandidate(name: "ingest.lmdbLoop", label: "Raw LMDB loop, same keys and values, commits of \(plan.ingestBatch)",
                           unit: "envelopes/s", isBaseline: true) {
                run += 1
                let directory = scratch.path("lmdb-loop-\(run)")
                defer { scratch.remove("lmdb-loop-\(run)") }
                let clock = ContinuousClock()
                let start = clock.now
                try loop.run(directory: directory, batch: plan.ingestBatch)
                return Double(loop.count) / BenchTimer.seconds(clock.now - start)
            },
            BenchCandidate(name: "ingest.store", label: "Store ingest, 1 KiB random payloads, batches of \(plan.ingestBatch)",
                           unit: "envelopes/s") {
                run += 1
                let directory = scratch.path("store-\(run)")
                defer { scratch.remove("store-\(run)") }
                let (rate, stats) = try IngestSection.ingest(batches, count: envelopes.count, into: directory)
                fileRatios.append(Double(stats.fileBytes) / rlpBytes)
                return rate
            },
        ])
        context.report.figures.append(BenchFigure(
            name: "ingest.store.fileBytesPerRLP", section: Self.name,
            label: "Store file size / RLP bytes after ingest", unit: "x", better: .lower, isBaseline: false,
            runs: fileRatios))
        context.ratio("ingest.store.vs.lmdbLoop", Self.name, "Durable ingest, store vs the raw LMDB loop",
                      figure: "ingest.store", over: "ingest.lmdbLoop")
    }

    /// Envelopes of 1 KiB random data, 40 per second of sent time, 1000 topics.
    static func envelopes(_ count: Int) -> [Envelope] {
        var random = BenchRandom(seed: 4)
        let base: UInt32 = 1_700_000_000
        return (0..<count).map { index in
            let sent = base + UInt32(index / 40)
            return Envelope(expiry: sent + 50, ttl: 50, topic: Topic(rawValue: UInt32(random.next(below: 1000))),
                            data: random.bytes(payloadSize), nonce: random.next())
        }
    }

    /// Ingests every batch durably into a new store; returns envelopes/s and the store's stats.
    static func ingest(_ batches: [[Envelope]], count: Int, into directory: String) throws -> (Double, StoreStats) {
        let store: EnvelopeStore
        do {
            store = try EnvelopeStore.open(at: directory)
        } catch {
            throw BenchError("ingest: cannot open a store in \(directory): \(error)")
        }
        defer { store.close() }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            for batch in batches { _ = try store.ingestAndWait(batch) }
        } catch {
            throw BenchError("ingest: storing failed: \(error)")
        }
        let rate = Double(count) / BenchTimer.seconds(clock.now - start)
        do {
            return (rate, try store.stats())
        } catch {
            throw BenchError("ingest: stats failed: \(error)")
        }
    }
}
