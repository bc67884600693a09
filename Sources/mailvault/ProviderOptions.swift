import ArgumentParser
import Foundation
import MailvaultAudit
import MailvaultCore

/// The options `audit` and `providers rank` share: which providers, which range, which topics.
struct AuditOptions: ParsableArguments {
    @Option(name: .customLong("provider"), help: "A provider's base URL (repeat for each provider).")
    var providers: [String] = []

    @Option(help: "First sent time (Unix seconds), inclusive.")
    var from: UInt32?

    @Option(help: "Last sent time (Unix seconds), inclusive.")
    var to: UInt32?

    @Option(help: "Comma-separated topics as hex; all topics when omitted.")
    var topics: String?

    @Option(help: "Seconds each request may take.")
    var timeout: Double = 30

    @Option(help: "Keys per page asked of each provider (1...1000).")
    var pageLimit: Int = 1000

    /// The audit these options describe; `defaultWindow` seconds back from now when the range
    /// is not given.
    func audit(defaultWindow: UInt32?) throws -> Audit {
        guard !providers.isEmpty else { throw CLIError("give at least one --provider URL") }
        guard (1...1000).contains(pageLimit) else { throw CLIError("--page-limit must be from 1 to 1000") }
        guard timeout > 0 else { throw CLIError("--timeout must be positive") }
        let now = UInt32(clamping: Int(Date().timeIntervalSince1970))
        guard let from = from ?? defaultWindow.map({ now > $0 ? now - $0 : 0 }) else { throw CLIError("--from is required") }
        guard let to = to ?? defaultWindow.map({ _ in now }) else { throw CLIError("--to is required") }
        guard from <= to else { throw CLIError("--from (\(from)) is after --to (\(to))") }
        var parsed: [Topic] = []
        if let topics, !topics.isEmpty {
            for text in topics.split(separator: ",") {
                do {
                    parsed.append(try Topic(hex: text.trimmingCharacters(in: .whitespaces)))
                } catch {
                    throw CLIError("invalid --topics entry '\(text)': \(error)")
                }
            }
        }
        var clients: [ProviderClient] = []
        for url in providers {
            do {
                clients.append(try ProviderClient(url: url, timeout: timeout))
            } catch {
                throw CLIError("\(error)")
            }
        }
        var audit = Audit(providers: clients, from: from, to: to, topics: parsed)
        audit.pageLimit = pageLimit
        return audit
    }

    /// A value as pretty, key-sorted JSON.
    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }

    /// Rows as a left-aligned text table.
    static func table(_ rows: [[String]]) -> String {
        guard let width = rows.map(\.count).max() else { return "" }
        let widths = (0..<width).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// An address shortened for a table.
    static func short(_ text: String?) -> String {
        guard let text else { return "-" }
        return text.count > 14 ? String(text.prefix(8)) + "…" + String(text.suffix(4)) : text
    }

    static func figure(_ value: Double?, digits: Int = 1, suffix: String = "") -> String {
        guard let value, value.isFinite else { return "-" }
        return String(format: "%.\(digits)f", value) + suffix
    }

    /// A retention as the tables print it.
    static func days(_ seconds: UInt32) -> String {
        seconds % 86_400 == 0 ? "\(seconds / 86_400) d" : "\(seconds) s"
    }
}
