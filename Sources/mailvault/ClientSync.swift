import ArgumentParser
import Foundation
import MailvaultAudit
import MailvaultClient
import Synchronization

/// `mailvault client sync`: the library's `HistorySync` with a summary for people or scripts.
struct ClientSync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Fetch every envelope of your topics from the best k providers, verified, into a local store.",
        discussion: """
            Finds providers (--provider URLs, a --bootstrap node's signed directory, an --enrtree DNS
            tree), ranks
            them (latency, success, policy, and what earlier syncs in --data-dir learned), and
            asks the best k in parallel for their signed hash lists. Each envelope not held yet is
            fetched once, from a provider that lists it, checked (hash, sent time, topic, PoW at
            or above that provider's declared minimum) and stored in DATA_DIR/store. Every signed
            list that lacks a stored envelope it should hold becomes an evidence file in
            DATA_DIR/evidence (check it with `mailvault evidence check`). Providers that fail,
            time out or are slow lose their share to the others. The next sync resumes from
            where this one is complete (DATA_DIR/client-state.json).

            \(ProviderOptions.defaultsHelp) --since applies to the first sync of a topic set; later \
            syncs resume at its high-water key less 120 s, however long ago that was.

            Progress goes to stderr on runs longer than a second. Exit status 0 when every listed
            envelope is stored, 1 when some could not be fetched (the summary says which
            providers failed), and 1 with one line on stderr on bad options or when no provider
            can be used.

            Example:
              mailvault client sync --topics 0xdeadbeef --provider http://127.0.0.1:8080 \\
                --provider https://mail.example.org --since 1700000000 --data-dir ~/.mailvault --json
            """
    )

    @OptionGroup var options: ProviderOptions

    @Option(help: "How many providers to ask in parallel (default: 3).")
    var k: Int = 3

    @Option(help: "The client's directory: its store, its state and evidence files.")
    var dataDir: String

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Flag(help: "No progress on stderr.")
    var quiet = false

    func run() async throws {
        let sources = try options.sources()
        guard (1...64).contains(k) else { throw CLIError("--k must be from 1 to 64") }
        let range = try options.range()
        var configuration = HistorySync.Configuration(since: range.from, topics: try options.parsedTopics(),
                                                      to: options.to)
        configuration.k = k
        configuration.pageLimit = options.pageLimit
        configuration.requestTimeout = .milliseconds(Int64(options.timeout * 1000))
        let sync: HistorySync
        do {
            sync = try HistorySync(sources: sources, dataDirectory: dataDir, configuration: configuration)
        } catch {
            throw CLIError("\(error)")
        }
        let progress = ClientSync.progressPrinter(quiet: quiet)
        let summary: SyncSummary
        do {
            summary = try await sync.run(progress: progress)
        } catch {
            sync.close()
            throw CLIError("\(error)")
        }
        sync.close()
        print(json ? ProviderOptions.json(summary) : ClientSync.text(summary))
        if !summary.complete {
            throw CLIError("the sync is incomplete: \(summary.unfetched) listed envelope(s) could not be fetched"
                           + (summary.providers.contains { $0.listComplete } ? "" : ", and no provider's whole list was read"))
        }
    }

    /// Prints a progress line on stderr at most once a second, from the first second on.
    static func progressPrinter(quiet: Bool) -> @Sendable (SyncProgress) -> Void {
        let throttle = ProgressThrottle()
        return { progress in
            if !quiet, throttle.due() { FileHandle.standardError.write(Data("mailvault: \(progress.line)\n".utf8)) }
        }
    }

    static func text(_ summary: SyncSummary) -> String {
        var rows = [["PROVIDER", "ADDRESS", "ROLE", "LISTED", "GIVEN", "MISSING", "EVIDENCE", "LATENCY", "FAILURES"]]
        for provider in summary.providers {
            rows.append([provider.url, ProviderOptions.short(provider.address), provider.role, "\(provider.listed)",
                         "\(provider.envelopesGiven)", provider.missing.map { "\($0)" } ?? "-", "\(provider.evidenceWritten)",
                         ProviderOptions.figure(provider.latencyMilliseconds, suffix: " ms"),
                         "\(provider.failures)/\(provider.requests)"])
        }
        var text = "sync of sent times \(summary.from)...\(summary.to)"
            + (summary.topics.isEmpty ? ", all topics" : ", topics \(summary.topics.joined(separator: ","))")
            + ": \(summary.union) listed, \(summary.alreadyHeld) already held, \(summary.fetched) fetched, "
            + "\(summary.unfetched) not fetched, \(summary.listedNotServed) listed but served by no one, "
            + "\(summary.evidenceWritten) evidence file(s), "
            + (summary.complete ? "complete" : "INCOMPLETE")
            + " in \(ProviderOptions.figure(summary.seconds, digits: 2)) s\n\n" + ProviderOptions.table(rows)
        for entry in summary.ranking {
            text += "\n\(entry.rank). \(entry.url): " + entry.reasons.joined(separator: "; ")
        }
        for provider in summary.providers {
            for error in provider.errors { text += "\n\(provider.url): \(error)" }
        }
        return text
    }
}

/// Lets a progress line through once a second, from the first second of a run on.
final class ProgressThrottle: Sendable {
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    init() {
        started = clock.now
    }

    func due() -> Bool {
        let now = clock.now
        guard now - started >= .seconds(1) else { return false }
        return last.withLock { previous in
            if let previous, now - previous < .seconds(1) { return false }
            previous = now
            return true
        }
    }
}
