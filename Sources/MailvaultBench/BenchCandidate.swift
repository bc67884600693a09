/// A figure about to be measured: what it is, and one run of it (which returns the run's value).
struct BenchCandidate {
    let name: String
    let label: String
    let unit: String
    var better: BenchFigure.Better = .higher
    var isBaseline = false
    /// At most this many runs (OpenSSL's one-second minimum makes the test sizes cap it).
    var maximumRuns = Int.max
    let run: () async throws -> Double
}
