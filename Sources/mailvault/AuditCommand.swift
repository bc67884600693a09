import ArgumentParser
import Foundation
import MailvaultAudit

/// `mailvault audit`: cross-checks providers' signed answers for a range and writes evidence
/// of every provable omission.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Cross-check providers' signed answers and write evidence of withheld envelopes.",
        discussion: """
            Each provider is asked for the hashes of the range (and topics), page by page; every
            page's signed receipt is verified. Envelopes some provider lacks are fetched from one
            that has them, and each omission its receipt vouches for becomes an evidence file
            that `mailvault evidence check` verifies. The report (JSON, or a table with --table)
            gives per provider: latency, success rate, pages, completeness against the union of
            all answers, coverage, published policy, and the missing envelopes with the reason
            each is or is not proof.

            \(ProviderOptions.defaultsHelp)

            Exit status 0 when the audit ran (whatever it found); errors are one line on stderr.

            Example:
              mailvault audit --provider http://127.0.0.1:8080 --provider https://mail.example.org \\
                --from 1700000000 --to 1700086400 --topics 0xdeadbeef --out evidence/
            """
    )

    @OptionGroup var options: ProviderOptions

    @Option(help: "Directory to write one evidence file per proven omission into.")
    var out: String?

    @Flag(help: "Print a readable table instead of JSON.")
    var table = false

    func run() async throws {
        let audit = try await options.audit()
        let result = await audit.run()
        var report = result.report
        if let out {
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            } catch {
                throw CLIError("cannot create \(out): \(error.localizedDescription)")
            }
            for finding in result.findings {
                let path = (out as NSString).appendingPathComponent(finding.file)
                guard FileManager.default.createFile(atPath: path, contents: Data(finding.evidence.json)) else {
                    throw CLIError("cannot write \(path)")
                }
            }
        } else {
            // Nothing was written, so no file can be named.
            for index in report.providers.indices {
                for missing in report.providers[index].missing.indices {
                    report.providers[index].missing[missing].evidenceFile = nil
                }
            }
        }
        print(table ? AuditCommand.table(report) : ProviderOptions.json(report))
    }

    static func table(_ report: AuditReport) -> String {
        var rows = [["PROVIDER", "ADDRESS", "LATENCY", "SUCCESS", "PAGES", "KEYS", "COMPLETE", "MISSING", "PROVEN",
                     "COVERED FROM", "GAPS", "MIN POW", "RETENTION"]]
        for provider in report.providers {
            rows.append([
                provider.url, ProviderOptions.short(provider.address),
                ProviderOptions.figure(provider.latencyMilliseconds, suffix: " ms"),
                ProviderOptions.figure(provider.successRate * 100, digits: 0, suffix: "%"),
                "\(provider.pages)", "\(provider.keys)",
                ProviderOptions.figure(provider.completeness.map { $0 * 100 }, suffix: "%"),
                "\(provider.missing.count)", "\(provider.provenOmissions)",
                provider.coverage.map { "\($0.from)" } ?? "-", provider.coverage.map { "\($0.gaps.count)" } ?? "-",
                provider.policy.map { "\($0.minimumPoW)" } ?? "-",
                provider.policy.map { ProviderOptions.days($0.retention) } ?? "-",
            ])
        }
        var text = "audit of sent times \(report.from)...\(report.to)"
            + (report.topics.isEmpty ? ", all topics" : ", topics \(report.topics.joined(separator: ","))")
            + ": \(report.union) envelopes across providers\n\n" + ProviderOptions.table(rows)
        for provider in report.providers {
            for error in provider.errors { text += "\n\(provider.url): \(error)" }
            for missing in provider.missing {
                text += "\n\(provider.url) lacks \(missing.hash) (sent \(missing.sent)): "
                    + (missing.proven ? "PROVEN" + (missing.evidenceFile.map { ", \($0)" } ?? "") : missing.reason)
            }
        }
        return text
    }
}
