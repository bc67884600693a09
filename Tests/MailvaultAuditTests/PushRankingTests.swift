import Foundation
import MailvaultAccountability
import MailvaultAudit
import Testing

@Suite("Ranking push providers by their offers and probes")
struct PushRankingTests {
    static let vapid = "B" + String(repeating: "A", count: 86)

    static func offer(price: PushPrice = .free, batchWindow: Double = 0, lifetime: UInt32 = 30 * 86_400, perKey: Int = 10,
                      topics: Int = 100, age: UInt32 = 86_400) -> PushOffer {
        PushOffer(targets: ["webPush", "webhook"], platforms: [], vapidPublicKey: vapid, price: price, maximumPerKey: perKey,
                  maximumTopics: topics, maximumLifetime: lifetime, batchWindow: batchWindow, maximumAttempts: 12, maximumAge: age)
    }

    static func report(_ url: String, offer: PushOffer? = offer(), delivered: Int = 3, probes: Int = 3,
                       latencies: [Double] = [10, 12, 11], refused: String? = nil, errors: [String] = []) -> PushProbeReport {
        var report = PushProbeReport(url: url)
        report.offer = offer
        report.probes = probes
        report.delivered = delivered
        report.latenciesMilliseconds = latencies
        report.refused = refused
        report.errors = errors
        return report
    }

    @Test func aFreePromptProviderWithFullPolicyScoresOne() {
        let ranking = PushRanking([Self.report("a")], notificationsPerMonth: 100_000)
        #expect(ranking.entries.map(\.score) == [1])
        #expect(ranking.entries[0].reasons.contains("free") && ranking.entries[0].reasons.contains("3 of 3 probe notifications arrived, signed"))
    }

    @Test func eachComponentIsWeighedAsDocumented() throws {
        // 2 of 3 delivered with a 2,011 ms median, at 10 SNT against a free rival, 15-day lifetime,
        // 5 per key, 100 topics, retried 12 hours.
        let priced = try PushPrice(unit: "SNT", perMonth: "10", perThousand: nil)
        let ranking = PushRanking([Self.report("free"),
                                   Self.report("worse", offer: Self.offer(price: priced, lifetime: 15 * 86_400, perKey: 5, age: 43_200),
                                               delivered: 2, latencies: [2011, 3000])],
                                  notificationsPerMonth: 100_000)
        let worse = try #require(ranking.entries.first { $0.url == "worse" })
        #expect(abs(worse.success - 2.0 / 3) < 1e-12)
        #expect(abs(worse.latency - (11 + 1000) / (2505.5 + 1000)) < 1e-12)
        #expect(worse.price == 0.5, "the cheapest priced offer scores half when another is free")
        #expect(abs(worse.policy - (0.5 + 0.75 + 0.5) / 3) < 1e-12)
        let expected = 0.35 * worse.success + 0.3 * worse.latency + 0.2 * 0.5 + 0.15 * worse.policy
        #expect(abs(worse.score - expected) < 1e-12)
        #expect(worse.monthlyCost == 10 && worse.unit == "SNT")
        #expect(worse.reasons.contains("costs 10 SNT a month for 100000 notifications (10 SNT/month)"))
        #expect(ranking.entries.map(\.url) == ["free", "worse"])
    }

    @Test func pricesAreComparedAtTheStatedVolumeWithinTheirUnit() throws {
        // At 100,000 a month: 10 SNT flat against 0.5 SNT per 1000 beyond 20,000 (40 SNT).
        // At 30,000 a month the per-1000 offer costs 5 SNT and wins.
        let flat = Self.offer(price: try PushPrice(unit: "SNT", perMonth: "10", perThousand: nil))
        let metered = Self.offer(price: try PushPrice(unit: "SNT", perMonth: nil, perThousand: "0.5", freeQuota: 20_000))
        let other = Self.offer(price: try PushPrice(unit: "ETH", perMonth: "0.01", perThousand: nil))
        let reports = [Self.report("flat", offer: flat), Self.report("metered", offer: metered), Self.report("eth", offer: other)]
        let busy = PushRanking(reports, notificationsPerMonth: 100_000)
        #expect(busy.entries.first { $0.url == "flat" }?.price == 1)
        #expect(busy.entries.first { $0.url == "metered" }?.price == 0.25)
        #expect(busy.entries.first { $0.url == "eth" }?.price == 1, "the only offer in its unit is compared with no one")
        #expect(busy.entries.first { $0.url == "eth" }?.reasons.contains("priced in ETH: compared only with offers in ETH") == true)
        let quiet = PushRanking(reports, notificationsPerMonth: 30_000)
        #expect(quiet.entries.first { $0.url == "metered" }?.price == 1 && quiet.entries.first { $0.url == "flat" }?.price == 0.5)
        // Within the free quota, a metered offer costs nothing and scores as free.
        let tiny = PushRanking(reports, notificationsPerMonth: 10_000)
        #expect(tiny.entries.first { $0.url == "metered" }?.price == 1 && tiny.entries.first { $0.url == "metered" }?.monthlyCost == 0)
    }

    @Test func refusedUnprobedAndPushlessProvidersGoLast() {
        var unreadable = PushProbeReport(url: "down")
        unreadable.errors = ["http://down/v1/provider is unreachable: refused"]
        let ranking = PushRanking([unreadable, Self.report("store-only", offer: nil, latencies: []),
                                   Self.report("refuses", delivered: 0, probes: 0, latencies: [], refused: "HTTP 422 destinationRefused: …"),
                                   Self.report("slow", latencies: [3000, 3000, 3000]), Self.report("prompt")],
                                  notificationsPerMonth: 100_000)
        #expect(ranking.entries.map(\.url) == ["prompt", "slow", "refuses", "down", "store-only"])
        #expect(ranking.entries.map(\.rank) == [1, 2, 3, 4, 5])
        let refuses = ranking.entries[2]
        #expect(refuses.success == 0 && refuses.latency == 0 && refuses.reasons.first == "refused the probe registration: HTTP 422 destinationRefused: …")
        #expect(ranking.entries[3].reasons == ["could not be probed: http://down/v1/provider is unreachable: refused"])
        #expect(ranking.entries[4].reasons == ["does not offer push: its descriptor has no push offer"] && !ranking.entries[4].offersPush)
        #expect(ranking.entries[3].score == 0 && ranking.entries[4].score == 0)
    }

    @Test func latencyDifferencesBelowASecondHardlyCount() throws {
        // 20 ms against 60 ms: 0.96. A 3-second median against 20 ms: about a quarter.
        let ranking = PushRanking([Self.report("a", latencies: [20]), Self.report("b", latencies: [60]),
                                   Self.report("c", offer: Self.offer(batchWindow: 5), latencies: [3000])],
                                  notificationsPerMonth: 1)
        let latency = Dictionary(uniqueKeysWithValues: ranking.entries.map { ($0.url, $0.latency) })
        #expect(abs((latency["b"] ?? 0) - 1020.0 / 1060) < 1e-12 && abs((latency["c"] ?? 0) - 1020.0 / 4000) < 1e-12)
        #expect(ranking.entries.first { $0.url == "c" }?.reasons
            .contains("holds notifications for batching windows of 5 s (hides arrival times, adds up to that much latency)") == true)
    }

    @Test func medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        #expect(Self.report("a", latencies: [40, 10, 30, 20]).medianLatencyMilliseconds == 25)
        #expect(Self.report("a", latencies: []).medianLatencyMilliseconds == nil)
    }
}
