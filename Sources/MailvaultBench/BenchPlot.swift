import Foundation
import MailvaultCore

/// The `--plot` chart: one SVG, written by hand (no dependency), that pastes into a report.
/// First the ratios, as bars on a log scale from the 1x line (right of it Mailvault is
/// faster than the baseline); then each section's figures, one panel per unit, bars on a linear
/// scale from 0, baselines in grey. Each bar carries its median as text and a whisker from the
/// minimum to the maximum run.
struct BenchPlot {
    let report: BenchReport

    private static let width = 1000.0
    private static let labelWidth = 430.0
    private static let barArea = 400.0
    private static let rowHeight = 22.0
    private static let mailvaultColor = "#2f6db5"
    private static let baselineColor = "#9a9a9a"

    var svg: String {
        var body: [String] = []
        var y = 30.0
        body.append(text(x: 10, y: y, "mailvault bench \(MailvaultVersion.current) (\(report.plan.mode.rawValue), "
            + "\(report.plan.runs) runs per figure; bars: median, whiskers: min to max)", size: 14, weight: "bold"))
        y += 18
        body.append(text(x: 10, y: y, report.machine.summary, size: 12))
        if !report.ratios.isEmpty {
            y += 24
            body.append(text(x: 10, y: y, "Ratios to the baselines measured in the same run (log scale; right of 1x is faster)",
                             size: 13, weight: "bold"))
            y += 10
            body += ratioPanel(top: &y)
        }
        for section in report.sections {
            let figures = report.figures.filter { $0.section == section }
            var units: [String] = []
            for figure in figures where !units.contains(figure.unit) { units.append(figure.unit) }
            for unit in units {
                let rows = figures.filter { $0.unit == unit }
                let lower = rows.allSatisfy { $0.better == .lower }
                y += 24
                body.append(text(x: 10, y: y, "\(section.rawValue): \(unit)" + (lower ? " (lower is better)" : ""),
                                 size: 13, weight: "bold"))
                y += 10
                body += figurePanel(rows, top: &y)
            }
        }
        y += 20
        let height = y
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(BenchPlot.width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(BenchPlot.width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif">
            <rect x="0" y="0" width="\(Int(BenchPlot.width))" height="\(Int(height))" fill="white"/>
            \(body.joined(separator: "\n"))
            </svg>

            """
    }

    private func ratioPanel(top y: inout Double) -> [String] {
        var out: [String] = []
        let values = report.ratios.flatMap { [$0.minimum, $0.maximum, $0.value] }
        let low = min(0.5, values.min() ?? 1), high = max(2, values.max() ?? 1)
        let logLow = log10(low), logHigh = log10(high)
        let x0 = BenchPlot.labelWidth
        func position(_ value: Double) -> Double {
            x0 + (log10(value) - logLow) / (logHigh - logLow) * BenchPlot.barArea
        }
        let one = position(1)
        let start = y
        for ratio in report.ratios {
            y += BenchPlot.rowHeight
            let barY = y - 14
            let end = position(ratio.value)
            out.append(text(x: x0 - 8, y: y - 4, ratio.label, size: 11, anchor: "end"))
            out.append(rect(x: min(one, end), y: barY, width: max(1, abs(end - one)), height: 14,
                            fill: BenchPlot.mailvaultColor))
            out.append(whisker(from: position(ratio.minimum), to: position(ratio.maximum), y: barY + 7))
            out.append(text(x: max(end, position(ratio.maximum), one) + 6, y: y - 4,
                            BenchReport.format(ratio.value) + "x", size: 11))
        }
        out.append("<line x1=\"\(f(one))\" y1=\"\(f(start + 4))\" x2=\"\(f(one))\" y2=\"\(f(y + 4))\" stroke=\"#333\" stroke-dasharray=\"3,2\"/>")
        out.append(text(x: one, y: y + 16, "1x", size: 10, anchor: "middle"))
        y += 12
        return out
    }

    private func figurePanel(_ figures: [BenchFigure], top y: inout Double) -> [String] {
        var out: [String] = []
        let high = figures.map(\.maximum).max() ?? 1
        let x0 = BenchPlot.labelWidth
        func length(_ value: Double) -> Double {
            high > 0 ? value / high * BenchPlot.barArea : 0
        }
        for figure in figures {
            y += BenchPlot.rowHeight
            let barY = y - 14
            out.append(text(x: x0 - 8, y: y - 4, figure.label + (figure.isBaseline ? " (baseline)" : ""), size: 11,
                            anchor: "end"))
            out.append(rect(x: x0, y: barY, width: max(1, length(figure.median)), height: 14,
                            fill: figure.isBaseline ? BenchPlot.baselineColor : BenchPlot.mailvaultColor))
            out.append(whisker(from: x0 + length(figure.minimum), to: x0 + length(figure.maximum), y: barY + 7))
            out.append(text(x: x0 + max(length(figure.median), length(figure.maximum)) + 6, y: y - 4,
                            BenchReport.format(figure.median) + " " + figure.unit, size: 11))
        }
        return out
    }

    private func rect(x: Double, y: Double, width: Double, height: Double, fill: String) -> String {
        "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"\(fill)\"/>"
    }

    private func whisker(from start: Double, to end: Double, y: Double) -> String {
        "<path d=\"M\(f(start)) \(f(y - 4))v8M\(f(start)) \(f(y))H\(f(end))M\(f(end)) \(f(y - 4))v8\" stroke=\"#222\" fill=\"none\"/>"
    }

    private func text(x: Double, y: Double, _ content: String, size: Int, weight: String = "normal",
                      anchor: String = "start") -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(size)\" font-weight=\"\(weight)\" text-anchor=\"\(anchor)\">"
            + BenchPlot.escape(content) + "</text>"
    }

    private func f(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
