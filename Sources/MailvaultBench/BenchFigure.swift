/// One measured figure: every run's value and their median, minimum and maximum.
struct BenchFigure {
    /// Which way is better: throughputs are higher-is-better, latencies lower-is-better.
    enum Better: String {
        case higher, lower
    }

    /// Stable dotted name, e.g. `seal.1thread.avx512`; scripts key on it.
    let name: String
    let section: BenchSectionName
    /// What was measured, in words.
    let label: String
    let unit: String
    let better: Better
    /// A baseline (OpenSSL, go-ethereum's loop, raw LMDB) rather than Mailvault itself.
    let isBaseline: Bool
    let runs: [Double]

    var median: Double { BenchStatistics.median(runs) }
    var minimum: Double { runs.min() ?? 0 }
    var maximum: Double { runs.max() ?? 0 }

    var json: BenchJSON {
        .object([
            ("name", .string(name)),
            ("section", .string(section.rawValue)),
            ("label", .string(label)),
            ("unit", .string(unit)),
            ("better", .string(better.rawValue)),
            ("baseline", .bool(isBaseline)),
            ("median", .number(median)),
            ("min", .number(minimum)),
            ("max", .number(maximum)),
            ("runs", .array(runs.map { .number($0) })),
        ])
    }
}
