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
            Resolves the tree over DNS (root signature against the URL's key, every entry's hash,
            links to other trees, bounded size and depth), then fetches each provider's signed
            descriptor (GET /v1/provider) from the endpoints in its record and keeps it only when
            the descriptor is signed by the record's key. Dropped records are listed with the reason.

            Example:
              mailvault providers discover enrtree://AKPYQIUQIL7PSIACI32J7FGZW56E5FKHEFCCOFHILBIMW3M6LWXS2@providers.example.org
            """
    )

    @Argument(help: "The tree: enrtree://KEY@DOMAIN.")
    var url: String

    @Option(name: .customLong("dns-server"), help: "Ask this DNS server, HOST:PORT (default: the first nameserver of /etc/resolv.conf).")
    var dnsServer: String?

    @Option(name: .customLong("timeout"), help: "Seconds to wait for each DNS answer and each descriptor (default 5).")
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
        let resolution = try await TreeResolver(client: client).resolve(url)
        var kept: [Kept] = []
        var dropped: [Dropped] = []
        await withTaskGroup(of: Result<Kept, Dropped>.self) { group in
            for found in resolution.records {
                group.addTask { await Self.check(found, timeout: timeout) }
            }
            for await result in group {
                switch result {
                case .success(let provider): kept.append(provider)
                case .failure(let reason): dropped.append(reason)
                }
            }
        }
        kept.sort { $0.url < $1.url }
        dropped.sort { $0.address < $1.address }
        if json {
            print(AuditOptions.json(Output(trees: Dictionary(uniqueKeysWithValues: resolution.trees.map { ($0.key.text, $0.value) }),
                                           providers: kept, dropped: dropped)))
        } else {
            var rows = [["PROVIDER", "ADDRESS", "MIN POW", "RETENTION", "TREE"]]
            for provider in kept {
                rows.append([provider.url, provider.address, "\(provider.minimumPoW)", "\(provider.maximumAge / 86400)d \(provider.maximumAge % 86400 / 3600)h",
                             provider.tree.split(separator: "@").last.map(String.init) ?? provider.tree])
            }
            var text = AuditOptions.table(rows)
            for entry in dropped { text += "\ndropped \(entry.address): \(entry.reason)" }
            print(text)
        }
        if kept.isEmpty { throw CLIError("no provider in the tree passed the checks (\(dropped.count) dropped)") }
    }

    /// The provider behind `found`, or why it is dropped: the first endpoint whose descriptor
    /// verifies is used, and that descriptor must be signed by the record's key.
    static func check(_ found: DiscoveredRecord, timeout: Double) async -> Result<Kept, Dropped> {
        func drop(_ reason: String) -> Result<Kept, Dropped> {
            .failure(Dropped(address: found.address.description, tree: found.tree.text, record: found.record.text, reason: reason))
        }
        let endpoints: ProviderEndpoints
        do {
            guard let value = try found.endpoints() else { return drop("its record has no 'mailvault' entry (not a Mailvault provider)") }
            endpoints = value
        } catch {
            return drop("\(error)")
        }
        guard endpoints.version == ProviderEndpoints.currentVersion else {
            return drop("it serves API version \(endpoints.version), this client speaks \(ProviderEndpoints.currentVersion)")
        }
        var failures: [String] = []
        for url in endpoints.urls {
            do {
                let identity = try await ProviderClient(url: url, timeout: timeout).descriptor().value
                guard identity.address == found.address else {
                    return drop("\(url) serves a descriptor signed by \(identity.address), not by the record's key \(found.address)")
                }
                let descriptor = identity.descriptor
                return .success(Kept(url: url, address: found.address.description, tree: found.tree.text, record: found.record.text,
                                     minimumPoW: descriptor.minimumPoW, maximumAge: descriptor.retention.maximumAge,
                                     maximumEnvelopeSize: descriptor.maximumEnvelopeSize, descriptorSequence: descriptor.sequence))
            } catch {
                failures.append("\(url): \(error)")
            }
        }
        return drop(failures.joined(separator: "; "))
    }
}

extension ProvidersDiscover.Dropped: Error {}
