import ArgumentParser
import Foundation
import MailvaultStore

/// `mailvault compact`: shrink the database file (LMDB files never shrink by themselves).
struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Rewrite the archive without its free pages (LMDB compacting copy).",
        discussion: """
            In place (the default) the store must not be open in any other process; the compacted copy
            replaces the file atomically. With --output the copy goes to another directory and the store
            may stay in use. Prints {"before": BYTES, "after": BYTES}.

            Example:
              mailvault compact --data-dir /var/lib/mailvault
            """
    )

    @Option(name: .customLong("data-dir"), help: "The store's directory.")
    var dataDirectory: String

    @Option(name: [.short, .customLong("output")], help: "Write the compacted copy to this directory instead.")
    var output: String?

    func run() throws {
        do {
            var json = JSONObject()
            if let output {
                let store = try EnvelopeStore.open(at: dataDirectory, configuration: StoreConfiguration(readOnly: true))
                let before = try store.stats().fileBytes
                try store.compact(to: output)
                json.add("before", before)
                let attributes = try? FileManager.default.attributesOfItem(atPath: output + "/data.mdb")
                json.add("after", (attributes?[.size] as? NSNumber)?.uint64Value ?? 0)
            } else {
                let sizes = try EnvelopeStore.compactInPlace(at: dataDirectory)
                json.add("before", sizes.before)
                json.add("after", sizes.after)
            }
            print(json.text)
        } catch {
            throw CLIError("compaction failed: \(error)")
        }
    }
}
