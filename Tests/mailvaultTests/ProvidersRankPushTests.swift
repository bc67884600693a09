import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MailvaultAccountability
import MailvaultCore
import MailvaultTestSupport
import Testing

/// `mailvault providers rank --push` against real `mailvault serve` processes on loopback, each
/// a push provider with another offer, and the probe's listener on 127.0.0.1. Every wait is
/// bounded (the command's own timeouts, the cluster's start).
@Suite("providers rank --push", .serialized)
struct ProvidersRankPushTests {
    /// Five providers: free and prompt; 10 SNT a month, with a minimum PoW the probe must seal
    /// to; 0.5 SNT per 1000 beyond 20,000 (40 SNT for 100,000) with 3-second batching windows;
    /// free but refusing the probe's loopback webhook (no --push-allow-host); no push at all.
    /// Given in scrambled order, they must come out in that order, with those reasons.
    @Test func ranksOffersByProbeAndPriceWithReasons() async throws {
        let cluster = try Cluster(count: 5)
        defer { cluster.stop() }
        let allow = ["--push-allow-host", "127.0.0.1"]
        try await cluster.start(links: [], extra: [
            0: allow,
            1: allow + ["--push-price", "10 SNT/month", "--min-pow", "0.5"],
            2: allow + ["--push-price", "0.5 SNT/1000", "--push-free-quota", "20000", "--push-batch-window", "3"],
            3: [],
            4: ["--push", "false"],
        ])

        // The offer is in the signed descriptor, and GET /v1/push serves the same object.
        let descriptor = try SignedDocument(object: try await cluster.json(2, "/v1/provider")).decode(ProviderDescriptor.self)
        let offer = try #require(descriptor.push)
        #expect(offer.price.unit == "SNT" && offer.price.perThousand == "0.5" && offer.price.freeQuota == 20_000)
        #expect(offer.batchWindow == 3 && offer.targets == ["webPush", "webhook"] && offer.platforms.isEmpty)
        let (_, served) = try await cluster.request(2, "GET", "/v1/push", contentType: nil, body: [])
        let servedOffer = try JSONDecoder().decode(PushOffer.self, from: JSONSerialization.data(withJSONObject: served))
        #expect(servedOffer == offer)
        let none = try SignedDocument(object: try await cluster.json(4, "/v1/provider")).decode(ProviderDescriptor.self)
        #expect(none.push == nil)
        let (disabled, error) = try await cluster.request(4, "GET", "/v1/push", contentType: nil, body: [])
        #expect(disabled == 404 && (error["error"] as? [String: Any])?["code"] as? String == "pushDisabled")

        let output = try await MailvaultExecutable.run(["providers", "rank", "--push", "--probes", "3", "--probe-timeout", "5",
                                                        "--timeout", "10"] + [4, 2, 0, 3, 1].flatMap { ["--provider", cluster.url($0)] })
        #expect(output.status == 0, "\(output.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], "\(output.stdout)")
        let ranking = object["ranking"] as? [[String: Any]] ?? []
        #expect(ranking.map { $0["url"] as? String ?? "" } == (0..<5).map(cluster.url), "\(output.stdout)")
        func entry(_ node: Int) -> [String: Any] { ranking.first { $0["url"] as? String == cluster.url(node) } ?? [:] }
        func reasons(_ node: Int) -> String { (entry(node)["reasons"] as? [String] ?? []).joined(separator: "; ") }
        for node in 0..<3 {
            #expect(entry(node)["success"] as? Double == 1, "\(node): \(reasons(node))")
            #expect(reasons(node).contains("3 of 3 probe notifications arrived, signed"), "\(node): \(reasons(node))")
        }
        #expect(reasons(0).contains("free"))
        #expect(reasons(1).contains("costs 10 SNT a month for 100000 notifications (10 SNT/month)"), "\(reasons(1))")
        #expect(reasons(2).contains("costs 40 SNT a month for 100000 notifications"), "\(reasons(2))")
        #expect(reasons(2).contains("batching windows of 3 s"), "\(reasons(2))")
        let prompt = try #require(entry(0)["medianLatencyMilliseconds"] as? Double)
        let batched = try #require(entry(2)["medianLatencyMilliseconds"] as? Double)
        #expect(batched > prompt, "a batching window cannot make delivery faster")
        #expect(entry(3)["success"] as? Double == 0 && reasons(3).contains("refused the probe registration"), "\(reasons(3))")
        #expect(reasons(3).contains("destinationRefused"), "\(reasons(3))")
        #expect(entry(4)["offersPush"] as? Bool == false && reasons(4).contains("does not offer push"), "\(reasons(4))")
        #expect(entry(4)["score"] as? Double == 0)

        // The probes cleaned up after themselves: no registration is left on the providers.
        for node in 0..<3 {
            let (data, _) = try await URLSession.shared.data(from: URL(string: cluster.url(node) + "/metrics")!)
            #expect(String(decoding: data, as: UTF8.self).contains("mailvault_push_registrations 0"), "node \(node)")
        }

        // The table says the same in words.
        let table = try await MailvaultExecutable.run(["providers", "rank", "--push", "--table", "--probes", "1",
                                                       "--provider", cluster.url(4), "--provider", cluster.url(0)])
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("RANK") == true && lines.contains { $0.hasPrefix("2 ") && $0.contains("no push") }, "\(table.stdout)")
        #expect(lines.contains { $0.hasPrefix("1. \(cluster.url(0)): 1 of 1 probe notifications arrived, signed") }, "\(table.stdout)")
    }

    /// Bad input is a non-zero exit and one line on stderr, before any provider is contacted.
    @Test(arguments: [
        ["--probes", "0"],
        ["--probes", "101"],
        ["--probe-timeout", "0"],
        ["--probe-listen", "nonsense"],
        ["--probe-listen", "127.0.0.1:70000"],
        ["--probe-listen", "0.0.0.0:0"],
        ["--probe-url", "ftp://probe.example.org"],
        ["--probe-url", "https://probe.example.org/?x=1"],
        ["--pick-random-top-quarter"],
    ])
    func badProbeOptionsAreOneLineErrors(arguments: [String]) async throws {
        let output = try await MailvaultExecutable.run(["providers", "rank", "--push", "--provider", "http://127.0.0.1:9"] + arguments)
        #expect(output.status != 0, "\(arguments)")
        #expect(output.stderr.split(separator: "\n").count == 1, "\(arguments): \(output.stderr)")
        #expect(output.stdout.isEmpty, "\(arguments)")
    }

    /// A price an operator mistypes stops `serve` before it opens anything.
    @Test(arguments: [
        ["--push-price", "10 SNT/week"],
        ["--push-price", "ten SNT/month"],
        ["--push-price", "10 SNT/month", "--push-price", "1 ETH/1000"],
        ["--push-price", "10 SNT/month", "--push-free-quota", "100"],
        ["--push-free-quota", "100"],
        ["--push-price", "0 SNT/month"],
        ["--push-max-per-key", "2000000"],
    ])
    func badPriceStopsServe(arguments: [String]) async throws {
        let directory = NSTemporaryDirectory() + "mailvault-price-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A serve that accepted the price would run on: it is stopped after 20 s and fails.
        let process = Process()
        process.executableURL = MailvaultExecutable.url
        process.arguments = ["serve", "--port", "0", "--data-dir", directory] + arguments
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let ranOn = process.isRunning
        if ranOn { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!ranOn && process.terminationStatus != 0, "\(arguments)")
        #expect(stderr.split(separator: "\n").count == 1, "\(arguments): \(stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/data.mdb"), "\(arguments)")
    }
}
