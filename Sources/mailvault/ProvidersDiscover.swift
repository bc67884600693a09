import ArgumentParser
import Foundation
import MailvaultAccountability
import MailvaultAudit
import MailvaultChain
import MailvaultCore
import MailvaultDiscovery

/// `mailvault providers discover`: providers from an EIP-1459 tree, each kept only when its
/// signed descriptor comes from the key that signed its record; or from the on-chain registry,
/// each kept only when the descriptor its endpoint serves is signed by the registered key.
struct ProvidersDiscover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "Find providers in a signed DNS tree (EIP-1459) or the on-chain registry, and check each one's descriptor.",
        discussion: """
            Resolves the tree over DNS (root signature against the URL's key, every entry's hash, \
            links to other trees, bounded size and depth), then fetches each provider's signed \
            descriptor (GET /v1/provider) from the endpoints in its record and keeps it only when \
            the descriptor is signed by the record's key. Dropped records are listed with the reason.

            With --registry, reads the registry contract instead (Docs/Incentives.md) through \
            --eth-rpc: the providers its Registered and Updated events name, with their stake, \
            operator and registered descriptor digest; fetches each endpoint's descriptor and keeps \
            the provider only when that descriptor is signed by the registered key. A descriptor \
            re-signed since it was registered (its digest differs) is kept and said so.

            Examples:
              mailvault providers discover enrtree://AKPYQIUQIL7PSIACI32J7FGZW56E5FKHEFCCOFHILBIMW3M6LWXS2@providers.example.org
              mailvault providers discover --registry 0x5FbDB2315678afecb367f032d93F642f64180aa3 --eth-rpc http://127.0.0.1:8545
            """
    )

    @Argument(help: "The tree: enrtree://KEY@DOMAIN (or --registry).")
    var url: String?

    @Option(name: .customLong("registry"), help: "The registry contract's 0x address: list the providers registered there.")
    var registry: String?

    @Option(name: .customLong("eth-rpc"), help: "The Ethereum JSON-RPC endpoint to read the registry through (with --registry).")
    var ethRPC: String?

    @Option(name: .customLong("from-block"), help: "The first block to read the registry's events from (with --registry).")
    var fromBlock: UInt64 = 0

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
        if let registry {
            guard url == nil else { throw CLIError("give a tree or --registry, not both") }
            try await discoverRegistered(registry)
            return
        }
        guard let url else { throw CLIError("give a tree (enrtree://KEY@DOMAIN) or --registry 0xADDRESS --eth-rpc URL") }
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

extension ProvidersDiscover {
    struct Registered: Encodable {
        var provider: String
        var endpoint: String
        var `operator`: String
        var stake: String
        var active: Bool
        var unbondingSince: UInt64
        var price: String
        var descriptorDigest: String
        /// Whether the served descriptor is the one registered (false: re-signed since).
        var descriptorRegistered: Bool
        var minimumPoW: Double
        var maximumAge: UInt32
        var descriptorSequence: UInt64
    }

    struct RegistryDropped: Encodable {
        var provider: String
        var endpoint: String
        var stake: String
        var reason: String
    }

    struct RegistryOutput: Encodable {
        var registry: String
        var providers: [Registered]
        var dropped: [RegistryDropped]
    }

    func discoverRegistered(_ text: String) async throws {
        guard text.hasPrefix("0x"), let contract = try? ProviderAddress(hex: text) else {
            throw CLIError("invalid --registry '\(text)' (the contract's 0x address)")
        }
        guard let ethRPC, let components = URLComponents(string: ethRPC), ["http", "https"].contains(components.scheme ?? ""),
              components.host?.isEmpty == false else {
            throw CLIError("--registry needs --eth-rpc, an http or https URL")
        }
        let rpc = EthereumRPC(url: ethRPC, timeout: .milliseconds(Int(timeout * 1000)))
        let registered: [ProviderRegistryReader.Registered]
        do {
            registered = try await ProviderRegistryReader(rpc: rpc, contract: contract).providers(fromBlock: fromBlock)
        } catch {
            await rpc.shutdown()
            throw CLIError("cannot read the registry \(contract) through \(ethRPC): \(error)")
        }
        await rpc.shutdown()
        var kept: [Registered] = []
        var dropped: [RegistryDropped] = []
        for entry in registered {
            func drop(_ reason: String) {
                dropped.append(RegistryDropped(provider: entry.provider.description, endpoint: entry.endpoint, stake: entry.stake, reason: reason))
            }
            guard entry.active else {
                drop(entry.unbondingSince > 0 ? "unbonding since \(entry.unbondingSince)" : "staked below the minimum")
                continue
            }
            let identity: ProviderIdentity
            do {
                identity = try await ProviderClient(url: entry.endpoint, timeout: timeout).descriptor().value
            } catch {
                drop("its endpoint gave no verified descriptor: \(error)")
                continue
            }
            guard identity.address == entry.provider else {
                drop("\(entry.endpoint) serves a descriptor signed by \(identity.address), not by the registered key")
                continue
            }
            let digest = SignedDocument.digest(kind: identity.signed.kind, document: identity.signed.document)
            kept.append(Registered(provider: entry.provider.description, endpoint: entry.endpoint, operator: entry.operator,
                                   stake: entry.stake, active: entry.active, unbondingSince: entry.unbondingSince, price: entry.price,
                                   descriptorDigest: entry.descriptor.description, descriptorRegistered: digest == entry.descriptor,
                                   minimumPoW: identity.descriptor.minimumPoW, maximumAge: identity.descriptor.retention.maximumAge,
                                   descriptorSequence: identity.descriptor.sequence))
        }
        // The most at stake first: what a provider loses by withholding.
        kept.sort { ($0.stake.count, $0.stake) > ($1.stake.count, $1.stake) }
        if json {
            print(ProviderOptions.json(RegistryOutput(registry: contract.description, providers: kept, dropped: dropped)))
        } else {
            var rows = [["PROVIDER", "ADDRESS", "STAKE", "PRICE/PERIOD", "DESCRIPTOR"]]
            for provider in kept {
                rows.append([provider.endpoint, provider.provider, provider.stake, provider.price,
                             provider.descriptorRegistered ? "as registered" : "re-signed since"])
            }
            var text = ProviderOptions.table(rows)
            for entry in dropped { text += "\ndropped \(entry.provider): \(entry.reason)" }
            print(text)
        }
        if kept.isEmpty { throw CLIError("no registered provider passed the checks (\(dropped.count) dropped)") }
    }
}
