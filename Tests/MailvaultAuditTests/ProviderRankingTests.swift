import MailvaultAccountability
@testable import MailvaultAudit
import MailvaultBench
import Testing

@Suite("Ranking providers by what an audit measured")
struct ProviderRankingTests {
    static func report(_ url: String, completeness: Double? = 1, latency: Double? = 10, requests: Int = 10, failures: Int = 0,
                       retention: UInt32 = 30 * 86_400, minimumPoW: Double = 0.000002, proven: Int = 0) -> ProviderReport {
        let policy = ProviderReport.Policy(software: "mailvault/test", minimumPoW: minimumPoW, maximumEnvelopeSize: 1 << 20,
                                           retention: retention, retentionTiers: [], maximumPageSize: 1000, sequence: 1,
                                           expires: 0)
        let missing = (0..<proven).map {
            ProviderReport.Missing(hash: "0x\($0)", sent: 1, topic: "0x01020304", proven: true, reason: "withheld", evidenceFile: nil)
        }
        return ProviderReport(url: url, address: nil, policy: policy, coverage: nil, errors: [], requests: requests,
                              failures: failures, successRate: Double(requests - failures) / Double(requests),
                              latencyMilliseconds: latency, pages: 1, keys: 10, answerComplete: completeness != nil,
                              completeness: completeness, unservedKeys: 0, missing: missing)
    }

    @Test func aPerfectProviderScoresOne() {
        let ranking = ProviderRanking([Self.report("a")])
        #expect(ranking.entries.map(\.score) == [1])
        #expect(ranking.entries[0].rank == 1)
    }

    @Test func eachComponentIsWeighedAsDocumented() throws {
        // Half as complete, twice as slow, 8 of 10 requests, 15 days' retention and four times the lowest PoW.
        let ranking = ProviderRanking([Self.report("best"),
                                       Self.report("worse", completeness: 0.5, latency: 20, failures: 2, retention: 15 * 86_400,
                                                   minimumPoW: 0.000008)])
        let worse = try #require(ranking.entries.first { $0.url == "worse" })
        #expect(worse.completeness == 0.5 && worse.latency == 0.5 && worse.success == 0.8)
        #expect(worse.policy == (0.5 + 0.25) / 2)
        let expected = (0.4 * 0.5 + 0.25 * 0.5 + 0.2 * 0.8 + 0.15 * 0.375) / 1.0
        #expect(abs(worse.score - expected) < 1e-12)
        #expect(worse.reasons.contains("2 of 10 requests failed"))
        #expect(ranking.entries.map(\.url) == ["best", "worse"])
    }

    @Test func provenOmissionsHalveTheScore() {
        let ranking = ProviderRanking([Self.report("withholds", proven: 3), Self.report("honest")])
        #expect(ranking.entries.map(\.url) == ["honest", "withholds"])
        #expect(ranking.entries[1].score == 0.5)
        #expect(ranking.entries[1].reasons.contains { $0.contains("withheld 3 envelope(s)") })
    }

    @Test func anUnreadableAnswerCountsAsNothingHeld() {
        let entry = ProviderRanking([Self.report("a", completeness: nil, latency: nil)]).entries[0]
        #expect(entry.completeness == 0 && entry.latency == 0)
        #expect(entry.reasons.contains { $0.contains("could not be read in full") })
    }

    @Test func tiesKeepTheGivenOrderAndPickStaysInTheTopQuarter() {
        let reports = (0..<8).map { Self.report("p\($0)", latency: $0 < 2 ? 10 : 40) }
        let ranking = ProviderRanking(reports)
        #expect(ranking.entries.map(\.url) == reports.map(\.url))
        #expect(ranking.topQuarter.map(\.url) == ["p0", "p1"])
        var generator = SplitMix64(seed: 1)
        for _ in 0..<50 { #expect(["p0", "p1"].contains(ranking.pick(using: &generator)?.url)) }
        #expect(ProviderRanking([]).pick(using: &generator) == nil)
    }
}
