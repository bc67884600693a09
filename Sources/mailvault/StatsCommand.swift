import ArgumentParser
import MailvaultCore
import MailvaultStore

/// `mailvault stats`: counts and sizes of a store, as one JSON object.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print the archive's counts and sizes as JSON.",
        discussion: """
            Fields: schemaVersion, envelopes, topics, rawBytes (sum of RLP sizes), storedBytes (records
            after compression), fileBytes, usedBytes, compressedEnvelopes, compressionRatio, oldestSent and
            newestSent (absent when empty), blocks, mapBytes.

            Example:
              mailvault stats --data-dir /var/lib/mailvault
            """
    )

    @Option(name: .customLong("data-dir"), help: "The store's directory.")
    var dataDirectory: String

    func run() throws {
        let store = try StoreQueryOptions.openForReading(dataDirectory)
        let stats: StoreStats
        do {
            stats = try store.stats()
        } catch {
            throw CLIError("stats failed: \(error)")
        }
        var json = JSONObject()
        json.add("schemaVersion", stats.schemaVersion)
        json.add("envelopes", stats.envelopes)
        json.add("topics", stats.topics)
        json.add("rawBytes", stats.rawBytes)
        json.add("storedBytes", stats.storedBytes)
        json.add("fileBytes", stats.fileBytes)
        json.add("usedBytes", stats.usedBytes)
        json.add("compressedEnvelopes", stats.compressedEnvelopes)
        json.add("compressionRatio", stats.compressionRatio)
        if let oldest = stats.oldestSent { json.add("oldestSent", oldest) }
        if let newest = stats.newestSent { json.add("newestSent", newest) }
        json.add("blocks", stats.blocks)
        json.add("mapBytes", stats.mapBytes)
        print(json.text)
    }
}
