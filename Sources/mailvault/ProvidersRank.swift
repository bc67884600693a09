import ArgumentParser
import Foundation
import MailvaultAudit

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

            \(ProviderOptions.defaultsHelp)

            Example:
              mailvault providers rank --provider http://127.0.0.1:8080 --provider https://mail.example.org \\
                --pick-random-top-quarter --table
            """
    )

    @OptionGroup var options: ProviderOptions

    @Flag(help: "Also pick one provider at random among the top quarter.")
    var pickRandomTopQuarter = false

    @Flag(help: "Print a readable table instead of JSON.")
    var table = false

    struct Output: Encodable {
        var ranking: [ProviderRanking.Entry]
        var picked: ProviderRanking.Entry?
    }

    func run() async throws {
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
}
