/// One part of the report: measures its figures and their baselines and adds them, with the
/// ratios between them, to the context's report.
protocol BenchSection {
    static var name: BenchSectionName { get }
    func run(in context: BenchContext) async throws
}
