import Foundation
import MailvaultCore
import MailvaultStore

/// `query`: latency of the three kinds of mailserver query over a temporary store holding
/// `plan.queryStoreEnvelopes` envelopes (256-byte random payloads) spread over 30 days, as
/// Status mailservers kept them:
/// - topic: 10 topics that carry 1% of the traffic, from a random start to the end, a page of 100;
/// - bloom: the bloom of the same 10 topics (plus the few of the 10,000 random topics its bits
///   also match), same pages;
/// - range: no filter, a random one-hour window, a page of 100 (a full node syncing).
/// Each run times `plan.queriesPerRun` queries of each kind; a figure's runs are each run's
/// median (or p99) in milliseconds.
struct QuerySection: BenchSection {
    static let name = BenchSectionName.query
    static let span: UInt32 = 30 * 86_400
    static let base: UInt32 = 1_700_000_000
    static let payloadSize = 256
    static let chunk = 10_000

    func run(in context: BenchContext) async throws {
        guard let scratch = context.scratch else { throw BenchError("query: no temporary directory") }
        let plan = context.plan
        let directory = scratch.path("query-store")
        defer { scratch.remove("query-store") }
        let store: EnvelopeStore
        do {
            store = try EnvelopeStore.open(at: directory)
        } catch {
            throw BenchError("query: cannot open a store in \(directory): \(error)")
        }
        defer { store.close() }

        // Spread like real topics (Knuth's multiplicative hash of 1...10), so that their bloom
        // has about 30 bits set, as a real 10-topic filter does.
        let denseTopics = (1...10).map { Topic(rawValue: 0x9E37_79B1 &* UInt32($0)) }
        let count = plan.queryStoreEnvelopes
        let built = try QuerySection.populate(store, count: count, denseTopics: denseTopics, progress: context.progress)
        context.note("query store: \(count) envelopes with \(QuerySection.payloadSize)-byte payloads over 30 days, "
            + "10,000 topics plus 10 that carry 1% of the traffic; built in \(String(format: "%.1f", built)) s "
            + "(batches of \(QuerySection.chunk), not durable-ingest figures)")

        var random = BenchRandom(seed: 6)
        let bloom = Bloom(topics: denseTopics)
        let end = QuerySection.base + QuerySection.span
        var samples: [String: [Double]] = [:]
        let kinds: [(name: String, label: String, query: (UInt32) -> HistoryQuery)] = [
            ("topic", "Topic query, 10 topics, page of 100", { HistoryQuery(from: $0, to: end, topics: denseTopics, limit: 100) }),
            ("bloom", "Bloom query, 10 topics' bloom, page of 100", { HistoryQuery(from: $0, to: end, bloom: bloom, limit: 100) }),
            ("range", "Range query, one hour, no filter, page of 100", { HistoryQuery(from: $0, to: $0 + 3599, limit: 100) }),
        ]
        for round in 0..<plan.runs {
            for kind in kinds {
                context.progress.step("\(kind.label), run \(round + 1)/\(plan.runs)")
                var latencies: [Double] = []
                latencies.reserveCapacity(plan.queriesPerRun)
                for _ in 0..<plan.queriesPerRun {
                    let from = QuerySection.base + UInt32(random.next(below: UInt64(QuerySection.span - 3600)))
                    let query = kind.query(from)
                    latencies.append(try BenchTimer.milliseconds {
                        do {
                            return UInt64(try store.query(query).entries.count)
                        } catch {
                            throw BenchError("query: \(kind.name) query failed: \(error)")
                        }
                    })
                }
                samples["\(kind.name).median", default: []].append(BenchStatistics.median(latencies))
                samples["\(kind.name).p99", default: []].append(BenchStatistics.percentile(latencies, 0.99))
            }
            context.progress.roundFinished(round + 1, of: plan.runs)
        }
        for kind in kinds {
            for (statistic, words) in [("median", "median"), ("p99", "99th percentile")] {
                context.report.figures.append(BenchFigure(
                    name: "query.\(kind.name).\(statistic)", section: Self.name, label: "\(kind.label), \(words)",
                    unit: "ms", better: .lower, isBaseline: false, runs: samples["\(kind.name).\(statistic)"] ?? []))
            }
        }
    }

    /// Fills the store, `chunk` envelopes per transaction, without keeping them in memory;
    /// returns the seconds it took.
    static func populate(_ store: EnvelopeStore, count: Int, denseTopics: [Topic], progress: BenchProgress) throws -> Double {
        var random = BenchRandom(seed: 5)
        // Status's topics are the first 4 bytes of a Keccak-256: spread over the whole space,
        // and so are their bloom bits.
        let backgroundTopics = (0..<10_000).map { _ in Topic(rawValue: UInt32(truncatingIfNeeded: random.next())) }
        let clock = ContinuousClock()
        let start = clock.now
        for first in stride(from: 0, to: count, by: chunk) {
            progress.step("filling the query store: \(first)/\(count) envelopes")
            let envelopes = (first..<min(first + chunk, count)).map { index in
                let sent = base + UInt32(UInt64(index) * UInt64(span) / UInt64(count))
                let topic = random.next(below: 100) == 0
                    ? denseTopics[Int(random.next(below: 10))]
                    : backgroundTopics[Int(random.next(below: 10_000))]
                return Envelope(expiry: sent + 3600, ttl: 3600, topic: topic, data: random.bytes(payloadSize),
                                nonce: random.next())
            }
            do {
                _ = try store.ingestAndWait(envelopes, work: Envelope.checkWork(batch: envelopes))
            } catch {
                throw BenchError("query: filling the store failed: \(error)")
            }
        }
        return BenchTimer.seconds(clock.now - start)
    }
}
