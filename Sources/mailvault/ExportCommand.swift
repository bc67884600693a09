import ArgumentParser
import Foundation
import MailvaultAPI
import MailvaultCore
import MailvaultStore

/// `mailvault export`: write envelopes out as a stream `import` reads back.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export envelopes as a stream of RLPs (optionally zstd-compressed) that `import` reads back.",
        discussion: """
            Envelopes are written in ascending (sent, hash) order, read from one page of 1000 at a time.
            With -o the summary {"envelopes": N, "bytes": B} goes to standard output; without it the
            stream does.

            Examples:
              mailvault export --data-dir /var/lib/mailvault --from 1700000000 --zstd -o week.rlp.zst
              mailvault export --data-dir old | mailvault import --data-dir new -
            """
    )

    @Option(name: .customLong("data-dir"), help: "The store's directory.")
    var dataDirectory: String

    @OptionGroup var options: StoreQueryOptions

    @Flag(help: "Compress the stream with zstd.")
    var zstd = false

    @Option(name: [.short, .customLong("output")], help: "Output file (default: standard output).")
    var output: String?

    func run() throws {
        var query: HistoryQuery
        do {
            query = try QueryParameters.history(from: options.from, to: options.to, topics: try options.parsedTopics(),
                                                bloomBytes: nil, limit: HistoryQuery.maximumLimit, cursorBytes: nil)
        } catch let error as QueryError {
            throw CLIError("invalid query: \(error)")
        }
        let store = try StoreQueryOptions.openForReading(dataDirectory)
        let handle: FileHandle
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil),
                  let file = FileHandle(forWritingAtPath: output) else {
                throw CLIError("cannot create \(output)")
            }
            handle = file
        } else {
            handle = FileHandle.standardOutput
        }
        var count = 0
        do {
            let writer = try EnvelopeStreamWriter(handle: handle, compressionLevel: zstd ? 3 : nil)
            while true {
                let page = try store.query(query)
                for envelope in page.envelopes { try writer.write(envelope) }
                count += page.envelopes.count
                guard let next = page.next else { break }
                query.cursor = next
            }
            try writer.finish()
            if output != nil {
                try handle.close()
                var json = JSONObject()
                json.add("envelopes", count)
                json.add("bytes", writer.bytesWritten)
                print(json.text)
            }
        } catch {
            throw CLIError("export failed after \(count) envelopes: \(error)")
        }
    }
}
