import Foundation
import MailvaultCore

/// Everything one `mailvault bench` run measured, with the machine it ran on.
public struct BenchReport {
    let machine: BenchMachine
    let plan: BenchPlan
    let sections: [BenchSectionName]
    let started: Date
    var figures: [BenchFigure] = []
    var ratios: [BenchRatio] = []
    /// Skipped baselines, sizes of the work, anything a reader needs to trust the figures.
    var notes: [String] = []
    var seconds = 0.0

    init(machine: BenchMachine, plan: BenchPlan, sections: [BenchSectionName], started: Date) {
        self.machine = machine
        self.plan = plan
        self.sections = sections
        self.started = started
    }

    func figure(_ name: String) -> BenchFigure? {
        figures.first { $0.name == name }
    }

    /// The `--json` document.
    var json: BenchJSON {
        .object([
            ("mailvault", .string(MailvaultVersion.current)),
            ("date", .string(ISO8601DateFormatter().string(from: started))),
            ("seconds", .number(seconds)),
            ("sections", .array(sections.map { .string($0.rawValue) })),
            ("plan", plan.json),
            ("machine", machine.json),
            ("figures", .array(figures.map(\.json))),
            ("ratios", .array(ratios.map(\.json))),
            ("notes", .array(notes.map { .string($0) })),
        ])
    }

    /// The summary printed at the end without `--json`: every figure, then every ratio.
    public var table: String {
        var lines: [String] = []
        lines.append("mailvault bench \(MailvaultVersion.current) (\(plan.mode.rawValue), \(plan.runs) runs per figure, "
            + String(format: "%.0f s", seconds) + ")")
        lines.append("machine: \(machine.summary)")
        lines.append("")
        let labelWidth = max(40, (figures.map(\.label) + ratios.map(\.label)).map(\.count).max() ?? 0)
        func row(_ columns: [String]) -> String {
            pad(columns[0], labelWidth) + columns.dropFirst().enumerated().map { index, column in
                index == 3 ? "  " + column : "  " + pad(column, 12, right: true)
            }.joined()
        }
        lines.append(row(["figure", "median", "min", "max", "unit"]))
        for section in sections {
            let rows = figures.filter { $0.section == section }
            guard !rows.isEmpty else { continue }
            lines.append("[\(section.rawValue)]")
            for figure in rows {
                let unit = figure.unit + (figure.isBaseline ? " (baseline)" : "") + (figure.better == .lower ? " (lower is better)" : "")
                lines.append(row([figure.label, BenchReport.format(figure.median), BenchReport.format(figure.minimum),
                                  BenchReport.format(figure.maximum), unit]))
            }
        }
        if !ratios.isEmpty {
            lines.append("")
            lines.append(row(["ratio to the baseline measured in the same run", "median", "min", "max", ""]))
            for ratio in ratios {
                lines.append(row([ratio.label, BenchReport.format(ratio.value) + "x", BenchReport.format(ratio.minimum) + "x",
                                  BenchReport.format(ratio.maximum) + "x", ratio.paired ? "" : "(ratio of medians)"]))
            }
        }
        if !notes.isEmpty {
            lines.append("")
            lines += notes.map { "note: " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    /// Three significant digits or more: 1,234,567 / 488.1 / 7.42 / 0.129.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        let magnitude = abs(value)
        if magnitude >= 10_000 {
            let digits = String(Int(value.rounded()))
            var out = ""
            for (index, character) in digits.reversed().enumerated() {
                if index > 0, index % 3 == 0, character != "-" { out.append(",") }
                out.append(character)
            }
            return String(out.reversed())
        }
        if magnitude >= 100 { return String(format: "%.1f", value) }
        if magnitude >= 1 { return String(format: "%.2f", value) }
        return String(format: "%.3g", value)
    }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        guard text.count < width else { return text }
        let spaces = String(repeating: " ", count: width - text.count)
        return right ? spaces + text : text + spaces
    }

    /// The report as one JSON document (`--json`).
    public var renderedJSON: String { json.rendered() }

    /// The figures and ratios as an SVG bar chart (`--plot`).
    public var svg: String { BenchPlot(report: self).svg }
}
