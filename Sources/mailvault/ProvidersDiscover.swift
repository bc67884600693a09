import ArgumentParser
import Foundation
import MailvaultAccountability
import MailvaultAudit
import MailvaultDiscovery

/// `mailvault providers discover`: providers from an EIP-1459 tree, each kept only when its
/// signed descriptor comes from the key that signed its record.
struct ProvidersDiscover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "Find providers in a signed DNS tree (EIP-1459) and check each one's descriptor.",
        discussion: """
            Resolves the tree over DNS (root signature against the URL's key, every entry's hash, \
            links to other trees, bounded size and depth), then fetches each provider's signed \
            descriptor (GET /v1/provider) from the endpoints in its record and keeps it only when \
            the descriptor is signed by the record's key. Dropped records are listed with the reason.

            Example:
              mailvault providers discover enrtree://AKPYQIUQIL7PSIACI32J7FGZW56E5FKHEFCCOFHILBIMW3M6LWXS2@providers.example.org
            """
    )

    @Argument(help: "The tree: enrtree://KEY@DOMAIN.")
    var url: String

    @Option(name: .customLong("dns-server"), help: "Ask this DNS server, HOST:PORT (default: the first nameserver of /etc/resolv.conf).")
    var dnsServer: String?

    @Option(name: .customLong("timeout"), help: "Seconds to wait for each DNS answer and each descriptor.")
    var timeout: Double = 5

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    struct Kept: Encodable {
        var url: String
        var address: String
        var tree: String
        var record: String
        var minimumPoW: Double
        var maximumAge: UInt32
        var maximumEnvelopeSize: Int
        var descriptorSequence: UInt64
    }

    struct Dropped: Encodable {
        var address: String
        var tree: String
        var record: String
        var reason: String
    }

    struct Output: Encodable {
        var trees: [String: UInt64]
        var providers: [Kept]
        var dropped: [Dropped]
    }

    func run() async throws {
        guard timeout > 0 else { throw CLIError("--timeout must be positive") }
        let client = try dnsServer.map { try DNSClient(server: $0, timeout: .milliseconds(Int(timeout * 1000))) }
            ?? DNSClient.system()
        let report = try await ProviderDiscovery.discover(url, resolver: TreeResolver(client: client), timeout: timeout)
        let kept = report.providers.map { provider in
            Kept(url: provider.url, address: provider.address.description, tree: provider.found.tree.text,
                 record: provider.found.record.text, minimumPoW: provider.identity.descriptor.minimumPoW,
                 maximumAge: provider.identity.descriptor.retention.maximumAge,
                 maximumEnvelopeSize: provider.identity.descriptor.maximumEnvelopeSize,
                 descriptorSequence: provider.identity.descriptor.sequence)
        }
        let dropped = report.dropped.map { entry in
            Dropped(address: entry.found.address.description, tree: entry.found.tree.text, record: entry.found.record.text,
                    reason: entry.reason)
        }
        if json {
            print(ProviderOptions.json(Output(trees: Dictionary(uniqueKeysWithValues: report.trees.map { ($0.key.text, $0.value) }),
                                           providers: kept, dropped: dropped)))
        } else {
            var rows = [["PROVIDER", "ADDRESS", "MIN POW", "RETENTION", "TREE"]]
            for provider in kept {
                rows.append([provider.url, provider.address, "\(provider.minimumPoW)",
                             "\(provider.maximumAge / 86400)d \(provider.maximumAge % 86400 / 3600)h",
                             provider.tree.split(separator: "@").last.map(String.init) ?? provider.tree])
            }
            var text = ProviderOptions.table(rows)
            for entry in dropped { text += "\ndropped \(entry.address): \(entry.reason)" }
            print(text)
        }
        if kept.isEmpty { throw CLIError("no provider in the tree passed the checks (\(dropped.count) dropped)") }
    }
}
