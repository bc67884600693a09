import ArgumentParser
import Foundation
import MailvaultAudit
import MailvaultClient

/// `mailvault providers rank`: an audit's measurements turned into a ranking with its reasons.
struct ProvidersRank: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rank",
        abstract: "Rank providers by completeness, latency, success and policy, with the reasons.",
        discussion: """
            Runs an audit (hashes only) of the range (the last 24 hours unless --from/--to) and scores each
            provider: completeness against the union of all answers (0.4), median latency relative
            to the fastest (0.25), success rate (0.2), and policy (0.15: retention, minimum PoW).
            Proven omissions halve a score. --pick-random-top-quarter also picks one provider at
            random among the best quarter, as Status chose its mailservers.

            With --push it ranks push-notification providers instead: it reads each one's signed
            push offer, registers a signed webhook probe to a listener of its own (--probe-listen,
            reached by providers at --probe-url), posts --probes envelopes on the probe's topic and
            times their signed notifications, then deletes the registration. Scores: success rate
            (0.35), median delivery latency, (fastest + 1 s) / (median + 1 s) (0.3), price for
            --notifications-per-month (0.2) and policy (0.15: registration lifetime, caps, how
            long undelivered notifications are retried). A provider must be able to reach the
            probe URL: most refuse http and private addresses (Docs/Push.md).

            \(ProviderOptions.defaultsHelp)

            Example:
              mailvault providers rank --provider http://127.0.0.1:8080 --provider https://mail.example.org \\
                --pick-random-top-quarter --table
              mailvault providers rank --push --provider https://push.example.org --provider https://pn.example.net \\
                --probe-listen 0.0.0.0:9000 --probe-url https://probe.example.com --notifications-per-month 1000000 --table
            """
    )

    @OptionGroup var options: ProviderOptions

    @Flag(help: "Also pick one provider at random among the top quarter.")
    var pickRandomTopQuarter = false

    @Flag(help: "Print a readable table instead of JSON.")
    var table = false

    @Flag(help: "Rank push-notification providers by their offers and by probing them.")
    var push = false

    @Option(name: .customLong("probe-listen"), help: "With --push: where the probe listens for webhooks, HOST:PORT; port 0 picks a free one (default: 127.0.0.1:0).")
    var probeListen = "127.0.0.1:0"

    @Option(name: .customLong("probe-url"), help: "With --push: the base URL providers reach the probe listener at; the n-th provider calls PROBE_URL/probe-<n> (default: http://LISTEN).")
    var probeURL: String?

    @Option(help: "With --push: probe envelopes posted to each provider, 1...100 (default: 3).")
    var probes = 3

    @Option(name: .customLong("probe-timeout"), help: "With --push: seconds each probe waits for its notification beyond the provider's batching window (default: 10).")
    var probeTimeout = 10.0

    @Option(name: .customLong("notifications-per-month"), help: "With --push: the volume prices are compared at (default: 100000).")
    var notificationsPerMonth: UInt64 = 100_000

    struct Output: Encodable {
        var ranking: [ProviderRanking.Entry]
        var picked: ProviderRanking.Entry?
    }

    func run() async throws {
        if push {
            try await rankPush()
            return
        }
        let audit = try await options.audit()
        let report = await audit.run().report
        let ranking = ProviderRanking(report.providers)
        var generator = SystemRandomNumberGenerator()
        let picked = pickRandomTopQuarter ? ranking.pick(using: &generator) : nil
        guard table else {
            print(ProviderOptions.json(Output(ranking: ranking.entries, picked: picked)))
            return
        }
        var rows = [["RANK", "PROVIDER", "ADDRESS", "SCORE", "COMPLETE", "LATENCY", "SUCCESS", "POLICY"]]
        for entry in ranking.entries {
            rows.append(["\(entry.rank)", entry.url, ProviderOptions.short(entry.address), ProviderOptions.figure(entry.score, digits: 3),
                         ProviderOptions.figure(entry.completeness, digits: 3), ProviderOptions.figure(entry.latency, digits: 3),
                         ProviderOptions.figure(entry.success, digits: 3), ProviderOptions.figure(entry.policy, digits: 3)])
        }
        var text = ProviderOptions.table(rows)
        for entry in ranking.entries {
            text += "\n\(entry.rank). \(entry.url): " + entry.reasons.joined(separator: "; ")
        }
        if let picked { text += "\npicked at random among the top quarter: \(picked.url)" }
        print(text)
    }

    struct PushOutput: Encodable {
        var notificationsPerMonth: UInt64
        var ranking: [PushRanking.Entry]
    }

    /// `--push`: probe every provider, then rank.
    func rankPush() async throws {
        guard !pickRandomTopQuarter else { throw CLIError("--pick-random-top-quarter ranks stores; it does not go with --push") }
        guard (1...100).contains(probes) else { throw CLIError("--probes must be from 1 to 100") }
        guard probeTimeout > 0, probeTimeout <= 3600 else { throw CLIError("--probe-timeout must be above 0 and at most 3600 seconds") }
        let listen = try ProvidersRank.hostAndPort(probeListen)
        if let probeURL {
            guard let url = URL(string: probeURL), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil,
                  url.query == nil, url.fragment == nil else {
                throw CLIError("invalid --probe-url '\(probeURL)' (an http or https URL without query)")
            }
        } else if ["0.0.0.0", "::"].contains(listen.host) {
            throw CLIError("--probe-listen \(probeListen) listens on every address: give --probe-url, the one providers reach")
        }
        let urls = try await options.providerURLs()
        let receiver: ProbeReceiver
        do {
            receiver = try await ProbeReceiver(host: listen.host, port: listen.port)
        } catch {
            throw CLIError("cannot listen on \(probeListen): \(error)")
        }
        let host = listen.host.contains(":") ? "[\(listen.host)]" : listen.host
        let transport = ProviderTransport(requestTimeout: .milliseconds(Int64(options.timeout * 1000)))
        let probe = PushProbe(transport: transport, receiver: receiver, probeURL: probeURL ?? "http://\(host):\(receiver.port)",
                              probes: probes, timeout: .milliseconds(Int64(probeTimeout * 1000)))
        let reports = await probe.run(urls: urls)
        await transport.shutdown()
        await receiver.close()
        let ranking = PushRanking(reports, notificationsPerMonth: notificationsPerMonth)
        guard table else {
            print(ProviderOptions.json(PushOutput(notificationsPerMonth: notificationsPerMonth, ranking: ranking.entries)))
            return
        }
        var rows = [["RANK", "PROVIDER", "ADDRESS", "SCORE", "SUCCESS", "LATENCY", "PRICE", "POLICY", "MEDIAN", "COST/MONTH"]]
        for entry in ranking.entries {
            let cost = entry.monthlyCost.map { $0 == 0 ? "free" : PushRanking.amount($0) + " " + (entry.unit ?? "") } ?? "-"
            rows.append(["\(entry.rank)", entry.url, ProviderOptions.short(entry.address),
                         entry.offersPush ? ProviderOptions.figure(entry.score, digits: 3) : "no push",
                         ProviderOptions.figure(entry.success, digits: 3), ProviderOptions.figure(entry.latency, digits: 3),
                         ProviderOptions.figure(entry.price, digits: 3), ProviderOptions.figure(entry.policy, digits: 3),
                         ProviderOptions.figure(entry.medianLatencyMilliseconds, digits: 1, suffix: " ms"), cost])
        }
        var text = ProviderOptions.table(rows)
        text += "\nprices for \(notificationsPerMonth) notifications a month"
        for entry in ranking.entries {
            text += "\n\(entry.rank). \(entry.url): " + entry.reasons.joined(separator: "; ")
        }
        print(text)
    }

    /// `HOST:PORT`, `[IPv6]:PORT`.
    static func hostAndPort(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw CLIError("invalid --probe-listen '\(text)' (HOST:PORT, e.g. 127.0.0.1:0)")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw CLIError("invalid --probe-listen '\(text)' (HOST:PORT, e.g. 127.0.0.1:0)") }
        return (host, port)
    }
}
