/// A figure divided by a baseline measured in the same run: the number that holds from one
/// machine to another. Both are higher-is-better, so a ratio above 1 means Mailvault is faster.
struct BenchRatio {
    let name: String
    let section: BenchSectionName
    let label: String
    /// The names of the two figures.
    let figure: String
    let baseline: String
    /// Run i of the figure over run i of the baseline when both have the same number of runs
    /// (they were measured in alternation, so each pair saw the same machine load); otherwise the
    /// one ratio of the medians.
    let runs: [Double]
    let paired: Bool

    init(name: String, section: BenchSectionName, label: String, figure: BenchFigure, baseline: BenchFigure) {
        self.name = name
        self.section = section
        self.label = label
        self.figure = figure.name
        self.baseline = baseline.name
        paired = figure.runs.count == baseline.runs.count && figure.runs.count > 1
        runs = paired ? zip(figure.runs, baseline.runs).map { $0 / $1 } : [figure.median / baseline.median]
    }

    var value: Double { BenchStatistics.median(runs) }
    var minimum: Double { runs.min() ?? 0 }
    var maximum: Double { runs.max() ?? 0 }

    var json: BenchJSON {
        .object([
            ("name", .string(name)),
            ("section", .string(section.rawValue)),
            ("label", .string(label)),
            ("figure", .string(figure)),
            ("baseline", .string(baseline)),
            ("unit", .string("x")),
            ("method", .string(paired ? "paired runs" : "medians")),
            ("median", .number(value)),
            ("min", .number(minimum)),
            ("max", .number(maximum)),
            ("runs", .array(runs.map { .number($0) })),
        ])
    }
}
