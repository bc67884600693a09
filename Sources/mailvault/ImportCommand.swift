import ArgumentParser
import Foundation
import MailvaultCore
import MailvaultNode
import MailvaultStore

/// `mailvault import`: bulk-load envelope streams into the archive.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import envelope streams (RLPs back to back, optionally zstd-compressed) into the archive.",
        discussion: """
            Every input is read and decoded in full before anything is stored, so a truncated or corrupt
            file stores nothing. Envelopes then go through the archive checks (format, size, PoW, as a
            node syncing from another store; no clock checks): those that fail are counted as rejected,
            those already stored as duplicates. Long imports print a progress line on stderr; the
            summary is one JSON object on stdout. '-' reads standard input.

            Examples:
              mailvault import --data-dir /var/lib/mailvault history.rlp.zst
              mailvault export --data-dir old --zstd | mailvault import --data-dir new -
            """
    )

    @Option(name: .customLong("data-dir"), help: "The store's directory (created if missing).")
    var dataDirectory: String

    @Argument(help: "Envelope stream files; '-' is standard input.")
    var files: [String]

    @Option(name: .customLong("min-pow"), help: "Minimum PoW (default: status-go mailservers' 0.000002).")
    var minimumPoW: Double = IngestPolicy.statusMinimumPoW

    @Option(name: .customLong("max-size"), help: "Maximum envelope size, 20 + data length (at most 10 MiB).")
    var maximumSize: Int = IngestPolicy.defaultMaximumSize

    @Option(name: .customLong("compression-level"), help: "zstd level for stored records; 0 stores them raw.")
    var compressionLevel: Int32 = 3

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one file ('-' for standard input)") }
        guard minimumPoW >= 0, minimumPoW.isFinite else { throw ValidationError("--min-pow must be a non-negative number") }
        guard maximumSize > 0 else { throw ValidationError("--max-size must be positive") }
        guard (0...19).contains(compressionLevel) else { throw ValidationError("--compression-level must be 0 to 19") }
    }

    func run() async throws {
        let started = ContinuousClock.now
        let inputs = try files.map(ImportInput.init)
        defer { inputs.forEach { $0.discard() } }

        // Pass 1: decode everything, so that bad input stores nothing.
        var total = 0
        for input in inputs {
            let reader = try input.reader()
            do {
                while try reader.next() != nil { total += 1 }
            } catch {
                throw CLIError("\(input.name): \(error); nothing was imported")
            }
        }

        let store: EnvelopeStore
        do {
            store = try EnvelopeStore.open(at: dataDirectory, configuration: StoreConfiguration(compressionLevel: compressionLevel))
        } catch {
            throw CLIError("cannot open the store in \(dataDirectory): \(error)")
        }
        // The archive rules (format, size, PoW; no clock checks), the same pipeline `serve` runs.
        let pipeline = IngestPipeline(archive: store, policy: IngestPolicy(minimumPoW: minimumPoW, maximumSize: maximumSize),
                                      mode: .archive)
        var progress = ImportProgress(total: total, started: started)
        // Two batches in flight: the next one is read, decoded and checked (its keccaks on every
        // core) while the previous one's commit waits for the disk; the store's writer commits
        // them in order, together when both wait.
        var inFlight: (task: Task<[IngestOutcome], any Error>, count: Int)?
        func settle(_ batch: (task: Task<[IngestOutcome], any Error>, count: Int)) async throws {
            let outcomes: [IngestOutcome]
            do {
                outcomes = try await batch.task.value
            } catch {
                throw CLIError("storing failed after \(progress.stored) envelopes were stored: \(error)")
            }
            for outcome in outcomes {
                switch outcome.status {
                case .stored: progress.stored += 1
                case .duplicate: progress.duplicates += 1
                case .rejected: progress.rejected[outcome.reason?.code ?? "unknown", default: 0] += 1
                }
            }
            progress.read += batch.count
            progress.report()
        }
        for input in inputs {
            let reader = try input.reader()
            repeat {
                var batch: [Envelope] = []
                batch.reserveCapacity(1000)
                while batch.count < 1000, let envelope = try reader.next() { batch.append(envelope) }
                guard !batch.isEmpty else { break }
                let submitted = batch
                let task = Task { try await pipeline.ingest(submitted, now: 0) }
                if let previous = inFlight { try await settle(previous) }
                inFlight = (task, batch.count)
            } while true
        }
        if let last = inFlight { try await settle(last) }
        store.close()
        print(progress.summary(files: inputs.count).text)
    }
}

/// One input of an import: a file, or standard input spooled to a temporary file so that it
/// can be read twice (validation, then ingest).
struct ImportInput {
    let name: String
    let path: String
    let temporary: Bool

    init(_ argument: String) throws {
        guard argument == "-" else {
            guard FileManager.default.isReadableFile(atPath: argument) else {
                throw CLIError("cannot read \(argument)")
            }
            name = argument
            path = argument
            temporary = false
            return
        }
        name = "standard input"
        path = NSTemporaryDirectory() + "mailvault-import-\(UUID().uuidString)"
        temporary = true
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let out = FileHandle(forWritingAtPath: path) else {
            throw CLIError("cannot create a temporary file for standard input")
        }
        defer { try? out.close() }
        while let chunk = try FileHandle.standardInput.read(upToCount: 1 << 20), !chunk.isEmpty {
            try out.write(contentsOf: chunk)
        }
    }

    func reader() throws -> EnvelopeStreamReader {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError("cannot read \(name)") }
        do {
            return try EnvelopeStreamReader(handle: handle)
        } catch {
            throw CLIError("\(name): \(error)")
        }
    }

    func discard() {
        if temporary { try? FileManager.default.removeItem(atPath: path) }
    }
}

/// Counts of an import, with a progress line on stderr every few seconds.
struct ImportProgress {
    let total: Int
    let started: ContinuousClock.Instant
    var read = 0
    var stored = 0
    var duplicates = 0
    var rejected: [String: Int] = [:]
    private var lastReport: ContinuousClock.Instant

    init(total: Int, started: ContinuousClock.Instant) {
        self.total = total
        self.started = started
        lastReport = started
    }

    var seconds: Double {
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    mutating func report() {
        let now = ContinuousClock.now
        guard now - lastReport >= .seconds(2) else { return }
        lastReport = now
        let rate = seconds > 0 ? Int(Double(read) / seconds) : 0
        let line = "mailvault: import: \(read)/\(total) envelopes, \(stored) stored, \(duplicates) duplicates, "
            + "\(rejected.values.reduce(0, +)) rejected, \(rate)/s\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func summary(files: Int) -> JSONObject {
        var json = JSONObject()
        json.add("files", files)
        json.add("read", read)
        json.add("stored", stored)
        json.add("duplicates", duplicates)
        json.add("rejected", rejected.values.reduce(0, +))
        for (code, count) in rejected.sorted(by: { $0.key < $1.key }) { json.add("rejected.\(code)", count) }
        json.add("seconds", seconds)
        return json
    }
}
