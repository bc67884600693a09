/// The parts of `mailvault bench`, in the order they run. A new part (the planned `server`
/// section: requests/s against an in-process server on loopback) is one more case here and one
/// more `BenchSection` type; the report, the table, the JSON and the plot take it as it is.
public enum BenchSectionName: String, CaseIterable, Sendable {
    case keccak, verify, seal, ingest, query

    /// What the section measures, for `--help` and the progress display.
    public var summary: String {
        switch self {
        case .keccak: "Keccak-256 throughput on one core, kernels and lanes, vs OpenSSL"
        case .verify: "envelope checks (decode + 2 hashes), 256 B-16 KiB, single and batch"
        case .seal: "nonces/s on 1 and all threads vs go-ethereum's loop and OpenSSL"
        case .ingest: "durable ingest into a temporary store vs the raw LMDB loop"
        case .query: "topic, bloom and range query latency over a temporary store"
        }
    }

    /// Whether the section needs the temporary directory.
    var usesStore: Bool {
        self == .ingest || self == .query
    }

    /// The runner of this section.
    var section: any BenchSection {
        switch self {
        case .keccak: KeccakSection()
        case .verify: VerifySection()
        case .seal: SealSection()
        case .ingest: IngestSection()
        case .query: QuerySection()
        }
    }
}
