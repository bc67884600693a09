import Foundation

/// What a section works with: the plan, the progress display, the report it adds to, the
/// temporary directory (for the store sections) and the OpenSSL binary when there is one.
final class BenchContext {
    let plan: BenchPlan
    let progress: BenchProgress
    let scratch: BenchScratch?
    let openssl: OpenSSLSpeed?
    var report: BenchReport

    init(plan: BenchPlan, progress: BenchProgress, scratch: BenchScratch?, openssl: OpenSSLSpeed?, report: BenchReport) {
        self.plan = plan
        self.progress = progress
        self.scratch = scratch
        self.openssl = openssl
        self.report = report
    }

    /// Measures the candidates in rounds: one run of each per round, `plan.runs` rounds, so that
    /// a figure and its baseline see the same machine load. Adds each as a figure of `section`.
    /// A baseline that fails is dropped with a note (its ratios are then left out); any other
    /// failure ends the bench.
    func measure(_ section: BenchSectionName, _ candidates: [BenchCandidate], what: String? = nil) async throws {
        var runs = [[Double]](repeating: [], count: candidates.count)
        var failed = Set<Int>()
        for round in 0..<plan.runs {
            for (index, candidate) in candidates.enumerated()
            where !failed.contains(index) && runs[index].count < candidate.maximumRuns {
                progress.step("\(candidate.label), run \(round + 1)/\(min(plan.runs, candidate.maximumRuns))")
                do {
                    let value = try await candidate.run()
                    guard value.isFinite, value > 0 else {
                        throw BenchError("\(candidate.name): measured \(value) \(candidate.unit)")
                    }
                    runs[index].append(value)
                } catch where candidate.isBaseline {
                    failed.insert(index)
                    note("\(candidate.label): skipped, \(error)")
                }
            }
            progress.roundFinished(round + 1, of: plan.runs, what: what)
        }
        for (index, candidate) in candidates.enumerated() where !failed.contains(index) {
            report.figures.append(BenchFigure(name: candidate.name, section: section, label: candidate.label,
                                              unit: candidate.unit, better: candidate.better,
                                              isBaseline: candidate.isBaseline, runs: runs[index]))
        }
    }

    /// Adds a note to the report, once.
    func note(_ text: String) {
        if !report.notes.contains(text) { report.notes.append(text) }
    }

    /// Adds `figure / baseline` as a ratio when both were measured.
    func ratio(_ name: String, _ section: BenchSectionName, _ label: String, figure: String, over baseline: String) {
        guard let top = report.figure(figure), let bottom = report.figure(baseline) else { return }
        report.ratios.append(BenchRatio(name: name, section: section, label: label, figure: top, baseline: bottom))
    }
}
