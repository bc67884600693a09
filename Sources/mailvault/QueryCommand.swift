import ArgumentParser
import Foundation
import MailvaultAPI
import MailvaultCore
import MailvaultStore

/// `mailvault query`: one page of history, as JSON lines.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Query the archive (status-go mailserver semantics) and print one JSON line per envelope.",
        discussion: """
            Envelopes come in ascending (sent, hash) order. The last line is {"next": CURSOR} with the
            cursor to pass for the next page, or {"next": null} when the query is complete.

            Example:
              mailvault query --data-dir /var/lib/mailvault --from 1700000000 --topics 0xdeadbeef --limit 50
            """
    )

    @Option(name: .customLong("data-dir"), help: "The store's directory.")
    var dataDirectory: String

    @OptionGroup var options: StoreQueryOptions

    @Option(help: "A 64-byte topic bloom as hex (used when --topics is absent).")
    var bloom: String?

    @Option(help: "Page size, 1 to 1000.")
    var limit: Int = HistoryQuery.defaultLimit

    @Option(help: "The 36-byte cursor (hex) from the previous page's last line.")
    var cursor: String?

    @Flag(help: "Print only sent, hash and topic per envelope.")
    var hashes = false

    func run() throws {
        let query: HistoryQuery
        do {
            query = try QueryParameters.history(from: options.from, to: options.to, topics: try options.parsedTopics(),
                                                bloomBytes: try StoreQueryOptions.bytes(bloom, option: "--bloom"), limit: limit,
                                                cursorBytes: try StoreQueryOptions.bytes(cursor, option: "--cursor"))
        } catch let error as QueryError {
            throw CLIError("invalid query: \(error)")
        }
        let store = try StoreQueryOptions.openForReading(dataDirectory)
        var lines: [String] = []
        let next: EnvelopeKey?
        do {
            if hashes {
                let page = try store.hashes(query)
                for entry in page.entries {
                    var json = JSONObject()
                    json.add("sent", entry.sent)
                    json.add("hash", entry.hash.description)
                    json.add("topic", entry.topic.description)
                    lines.append(json.text)
                }
                next = page.next
            } else {
                let page = try store.query(query)
                for envelope in page.envelopes {
                    var json = JSONObject()
                    json.add("sent", envelope.sentTime)
                    json.add("hash", envelope.hash.description)
                    json.add("topic", envelope.topic.description)
                    json.add("expiry", envelope.expiry)
                    json.add("ttl", envelope.ttl)
                    json.add("nonce", envelope.nonce)
                    json.add("data", Hex.encode(envelope.data, prefix: true))
                    json.add("envelope", Hex.encode(envelope.encoded, prefix: true))
                    lines.append(json.text)
                }
                next = page.next
            }
        } catch {
            throw CLIError("query failed: \(error)")
        }
        lines.append(next.map { "{\"next\":\"\($0)\"}" } ?? "{\"next\":null}")
        print(lines.joined(separator: "\n"))
    }
}
