import ArgumentParser
import Foundation
import MailvaultBench

/// `mailvault bench`: the provider's benchmark report. Every figure is measured several times
/// with its baseline in alternation, on this machine, in this run, so the ratios hold anywhere.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure what this machine can carry, next to baselines measured in the same run.",
        discussion: """
            Sections (in this order; --only picks some):
            \(BenchSectionName.allCases.map { "  \($0.rawValue): \($0.summary)" }.joined(separator: "\n"))

            Each figure is measured in several runs (5, or 3 with --quick), alternating
            with its baselines: OpenSSL SHA3-256 through the openssl command,
            go-ethereum's sealing loop, a raw LMDB loop. The report gives the median,
            min and max of every figure and of each figure/baseline ratio. Progress
            goes to stderr; the table (or, with --json, one JSON document) to stdout.
            The stores live in a temporary directory inside --data-dir, removed at
            the end and on Ctrl-C. See Docs/Bench.md.

            Examples:
              mailvault bench --quick
              mailvault bench --json --data-dir /var/lib/mailvault --plot b.svg > b.json
              mailvault bench --only keccak,seal
            """
    )

    @Flag(help: "Fewer runs and smaller stores: under a minute on 2 cores.")
    var quick = false

    @Flag(help: "Print one JSON document instead of the table.")
    var json = false

    @Option(name: .customLong("data-dir"),
            help: "Existing directory for the temporary stores (default: the system's temporary directory). Use the disk the store will live on.")
    var dataDirectory: String?

    @Option(help: "Comma-separated sections to run (default: all).")
    var only: String?

    @Option(help: "Also draw the figures and ratios as a bar chart in this SVG file.")
    var plot: String?

    @Flag(name: .customLong("test-sizes"), help: .hidden)
    var testSizes = false

    func validate() throws {
        _ = try sections()
        if let plot, !plot.lowercased().hasSuffix(".svg") {
            throw ValidationError("--plot writes SVG: give a file name ending in .svg")
        }
    }

    /// The sections to run, in their fixed order.
    func sections() throws -> [BenchSectionName] {
        guard let only else { return BenchSectionName.allCases }
        let names = only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard !names.isEmpty else { throw ValidationError("--only needs at least one section") }
        for name in names where BenchSectionName(rawValue: name) == nil {
            throw ValidationError("unknown section '\(name)' (sections: "
                + BenchSectionName.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        return BenchSectionName.allCases.filter { names.contains($0.rawValue) }
    }

    func run() async throws {
        let mode: BenchPlan.Mode = testSizes ? .tiny : quick ? .quick : .full
        let report: BenchReport
        do {
            report = try await BenchRun(sections: try sections(), mode: mode, dataDirectory: dataDirectory,
                                        liveProgress: isatty(STDERR_FILENO) != 0).run()
        } catch let error as BenchError {
            throw CLIError(error.description)
        }
        if let plot {
            do {
                try report.svg.write(toFile: plot, atomically: true, encoding: .utf8)
            } catch {
                throw CLIError("cannot write \(plot): \(error.localizedDescription)")
            }
        }
        print(json ? report.renderedJSON : report.table)
    }
}
