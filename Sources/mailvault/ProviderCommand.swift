import ArgumentParser
import Foundation
import MailvaultAccountability
import MailvaultDiscovery

/// `mailvault provider`: what a provider publishes about itself.
struct ProviderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provider",
        abstract: "Print what a provider publishes about itself.",
        discussion: """
            Example:
              mailvault provider record --key mailvault-data/provider.key --endpoint https://mail.example.org
            """,
        subcommands: [ProviderRecord.self]
    )
}

/// `mailvault provider record`: the provider's EIP-778 node record, signed with its own key, for
/// a curator to put in a DNS tree (Docs/Discovery.md).
struct ProviderRecord: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Print the provider's enr: node record (EIP-778), signed with its key.",
        discussion: """
            The record holds the key (id "v4", secp256k1) and the key "mailvault": the HTTP API \
            version and the endpoint URLs. Give it to a directory curator; the secret key never \
            leaves the node. --seq defaults to the current Unix time, so a later record supersedes \
            an earlier one.

            Example:
              mailvault provider record --key mailvault-data/provider.key --endpoint https://mail.example.org
            """
    )

    @Option(name: [.customLong("key"), .customLong("key-file")],
            help: "The provider's key file, as `mailvault serve` uses it (default mailvault-data/provider.key).")
    var key = "mailvault-data/provider.key"

    @Option(name: .customLong("endpoint"), help: "A URL clients reach the provider at (repeatable, at least one).")
    var endpoints: [String] = []

    @Option(name: .customLong("seq"), help: "The record's sequence number (default: the current Unix time).")
    var sequence: UInt64?

    func run() throws {
        guard !endpoints.isEmpty else { throw CLIError("give at least one --endpoint URL") }
        let providerKey = try ProviderKey.load(path: key, create: false)
        let record = try NodeRecord(sequence: sequence ?? UInt64(Date().timeIntervalSince1970),
                                    pairs: [ProviderEndpoints(urls: endpoints).pair], key: providerKey)
        print(record.text)
    }
}
