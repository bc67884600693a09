import Foundation

/// One `mailvault bench` run as a library call: the sections in their fixed order, each figure
/// measured in alternation with its baselines, progress on standard error, and the report.
public struct BenchRun: Sendable {
    /// The sections to run (in `BenchSectionName`'s order whatever order they are given in).
    public var sections: [BenchSectionName]
    /// How much to measure.
    public var mode: BenchPlan.Mode
    /// An existing directory for the temporary stores; the system's temporary directory if `nil`.
    public var dataDirectory: String?
    /// Redraw one progress line in place (a terminal) instead of printing a plain log.
    public var liveProgress: Bool

    /// A run of `sections`.
    public init(sections: [BenchSectionName], mode: BenchPlan.Mode, dataDirectory: String?, liveProgress: Bool) {
        self.sections = BenchSectionName.allCases.filter(sections.contains)
        self.mode = mode
        self.dataDirectory = dataDirectory
        self.liveProgress = liveProgress
    }

    /// Measures every section and returns the report. The temporary stores are removed at the
    /// end, on an error, and on Ctrl-C or SIGTERM.
    public func run() async throws -> BenchReport {
        let plan = BenchPlan(mode: mode, threads: ProcessInfo.processInfo.activeProcessorCount)
        let needsStore = sections.contains(where: \.usesStore)
        let parent = dataDirectory ?? NSTemporaryDirectory()
        let scratch = needsStore ? try BenchScratch(parent: parent) : nil
        defer { scratch?.close() }
        let openssl = sections.contains(.keccak) || sections.contains(.seal) ? OpenSSLSpeed.locate() : nil
        let machine = BenchMachine(openssl: openssl, dataDirectory: needsStore ? parent : nil)
        let progress = BenchProgress(live: liveProgress)
        defer { progress.finish() }
        let context = BenchContext(plan: plan, progress: progress, scratch: scratch, openssl: openssl,
                                   report: BenchReport(machine: machine, plan: plan, sections: sections, started: Date()))
        if machine.fileSystem == "tmpfs" {
            context.note("the temporary stores are on tmpfs, where fsync costs nothing: the ingest figures do not "
                + "show what a disk can do (use --data-dir on the store's disk)")
        }
        for (index, name) in sections.enumerated() {
            progress.begin(name, index: index + 1, of: sections.count)
            try await name.section.run(in: context)
        }
        progress.finish()
        context.report.seconds = progress.elapsed
        return context.report
    }
}
