import ArgumentParser
import Foundation
import MailvaultAudit
import MailvaultClient
import MailvaultCore

/// The options `audit`, `providers rank` and `client sync` share, with the same defaults for all
/// three: which providers (`--provider`, `--bootstrap`, `--enrtree`), which range (the last 24 hours unless
/// `--from`/`--since` and `--to` say otherwise), which topics (all unless `--topics`), and how
/// long a request may take.
struct ProviderOptions: ParsableArguments {
    /// The range when `--from` is not given: the last day, as Status asked its mailservers for
    /// on first start.
    static let defaultWindow: UInt32 = 86_400

    /// The defaults in words, for the commands' help.
    static let defaultsHelp = """
        Defaults shared by audit, providers rank and client sync: the last 24 hours (--from/--since \
        now-86400, --to now), all topics, --timeout 30 s per request, --page-limit 1000.
        """

    @Option(name: .customLong("provider"), help: "A provider's base URL (repeat for each provider).")
    var providers: [String] = []

    @Option(help: "A node whose signed directory (GET /v1/providers) names the providers (repeatable).")
    var bootstrap: [String] = []

    @Option(help: "An EIP-1459 DNS tree naming the providers, enrtree://KEY@DOMAIN (repeatable).")
    var enrtree: [String] = []

    @Option(name: .customLong("dns-server"), help: "Resolve --enrtree trees with this DNS server, HOST:PORT (default: the first nameserver of /etc/resolv.conf).")
    var dnsServer: String?

    @Option(name: [.customLong("from"), .customLong("since")],
            help: "First sent time (Unix seconds), inclusive (default: 24 hours ago).")
    var from: UInt32?

    @Option(help: "Last sent time (Unix seconds), inclusive (default: now).")
    var to: UInt32?

    @Option(help: "Comma-separated topics as hex (default: all topics).")
    var topics: String?

    @Option(help: "Seconds each request may take (default: 30).")
    var timeout: Double = 30

    @Option(help: "Keys per page asked of each provider, 1...1000 (default: 1000).")
    var pageLimit: Int = 1000

    /// The range these options describe, checked.
    func range(now: UInt32 = UInt32(clamping: Int(Date().timeIntervalSince1970))) throws -> (from: UInt32, to: UInt32) {
        let to = to ?? now
        let from = from ?? (to > ProviderOptions.defaultWindow ? to - ProviderOptions.defaultWindow : 0)
        guard from <= to else { throw CLIError("--from (\(from)) is after --to (\(to))") }
        return (from, to)
    }

    /// The topics, parsed.
    func parsedTopics() throws -> [Topic] {
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
        guard parsed.count <= HistoryQuery.maximumTopics else {
            throw CLIError("at most \(HistoryQuery.maximumTopics) topics, got \(parsed.count)")
        }
        return parsed
    }

    /// Checks what does not need the network.
    func validate() throws {
        guard !providers.isEmpty || !bootstrap.isEmpty || !enrtree.isEmpty else {
            throw CLIError("give at least one --provider URL, --bootstrap URL or --enrtree URL")
        }
        guard dnsServer == nil || !enrtree.isEmpty else { throw CLIError("--dns-server is for --enrtree trees; give one") }
        guard (1...1000).contains(pageLimit) else { throw CLIError("--page-limit must be from 1 to 1000") }
        guard timeout > 0, timeout.isFinite else { throw CLIError("--timeout must be positive") }
    }

    /// Where the providers come from, for the client library.
    func sources() throws -> [any ProviderSource] {
        try validate()
        var sources: [any ProviderSource] = []
        do {
            if !providers.isEmpty { sources.append(try ProviderURLs(providers)) }
            for url in bootstrap { sources.append(try BootstrapDirectory(url: url)) }
            for url in enrtree { sources.append(try DNSTree(url: url, dnsServer: dnsServer)) }
        } catch {
            throw CLIError("\(error)")
        }
        return sources
    }

    /// The providers' URLs: those given, and those the bootstrap directories name (each entry
    /// verified). A directory that cannot be read is an error.
    func providerURLs() async throws -> [String] {
        let sources = try sources()
        let transport = ProviderTransport(requestTimeout: .milliseconds(Int64(timeout * 1000)))
        var urls: [String] = []
        do {
            for source in sources {
                for candidate in try await source.candidates(using: transport) where !urls.contains(candidate.url) {
                    urls.append(candidate.url)
                }
            }
        } catch {
            await transport.shutdown()
            throw CLIError("\(error)")
        }
        await transport.shutdown()
        guard !urls.isEmpty else { throw CLIError("the directories and trees named no provider") }
        return urls
    }

    /// The audit these options describe.
    func audit() async throws -> Audit {
        let range = try range()
        let topics = try parsedTopics()
        var clients: [ProviderClient] = []
        for url in try await providerURLs() {
            do {
                clients.append(try ProviderClient(url: url, timeout: timeout))
            } catch {
                throw CLIError("\(error)")
            }
        }
        var audit = Audit(providers: clients, from: range.from, to: range.to, topics: topics)
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
