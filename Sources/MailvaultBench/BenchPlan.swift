/// How much each section measures: the number of runs per figure and the sizes of the work.
public struct BenchPlan: Sendable {
    /// `full` is the default, `quick` is `--quick`; `tiny` is the hidden `--test-sizes` the tests
    /// use (figures from it mean nothing, only the document's shape does).
    public enum Mode: String, Sendable {
        case full, quick, tiny
    }

    let mode: Mode
    /// Runs per figure; baselines and figures are measured in alternation, one run of each per round.
    let runs: Int
    /// Seconds each run of a throughput loop lasts.
    let runSeconds: Double
    /// `openssl speed -seconds` (whole seconds: the smallest it takes is 1) and how many runs of it.
    let opensslSeconds: Int
    let opensslRuns: Int
    /// Envelopes per verification packet.
    let packet = 64
    /// Envelopes ingested per run, in durable batches of `ingestBatch`.
    let ingestEnvelopes: Int
    let ingestBatch = 1000
    /// Envelopes in the query store, and queries of each kind per run.
    let queryStoreEnvelopes: Int
    let queriesPerRun: Int
    /// Threads of the all-threads sealing figure.
    let threads: Int

    init(mode: Mode, threads: Int) {
        self.mode = mode
        self.threads = threads
        switch mode {
        case .full:
            runs = 5
            runSeconds = 0.5
            opensslSeconds = 2
            opensslRuns = 5
            ingestEnvelopes = 100_000
            queryStoreEnvelopes = 1_000_000
            queriesPerRun = 200
        case .quick:
            runs = 3
            runSeconds = 0.2
            opensslSeconds = 1
            opensslRuns = 3
            ingestEnvelopes = 20_000
            queryStoreEnvelopes = 100_000
            queriesPerRun = 100
        case .tiny:
            runs = 2
            runSeconds = 0.01
            opensslSeconds = 1
            opensslRuns = 1
            ingestEnvelopes = 2_000
            queryStoreEnvelopes = 2_000
            queriesPerRun = 10
        }
    }

    var json: BenchJSON {
        .object([
            ("mode", .string(mode.rawValue)),
            ("runs", .integer(runs)),
            ("runSeconds", .number(runSeconds)),
            ("opensslSeconds", .integer(opensslSeconds)),
            ("opensslRuns", .integer(opensslRuns)),
            ("verifyPacket", .integer(packet)),
            ("ingestEnvelopes", .integer(ingestEnvelopes)),
            ("ingestBatch", .integer(ingestBatch)),
            ("queryStoreEnvelopes", .integer(queryStoreEnvelopes)),
            ("queriesPerRun", .integer(queriesPerRun)),
            ("threads", .integer(threads)),
        ])
    }
}
