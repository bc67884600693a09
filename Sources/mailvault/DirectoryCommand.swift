import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MailvaultAccountability
import MailvaultDiscovery

/// `mailvault directory`: curating a list of providers.
struct DirectoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "directory",
        abstract: "Curate a signed directory of providers.",
        discussion: """
            Example:
              mailvault directory tree --key curator.key --domain providers.example.org \\
                --provider https://mail.example.org --out providers.example.org.zone
            """,
        subcommands: [DirectoryTreeCommand.self]
    )
}

/// `mailvault directory tree`: an EIP-1459 tree of provider records, signed with the curator's
/// key, written as a zone file for NSD or BIND.
struct DirectoryTreeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tree",
        abstract: "Write a signed EIP-1459 tree of provider records as a DNS zone file.",
        discussion: """
            Records come from --record (an enr: text), --records (a file of them, one per line, # \
            comments) and --provider (fetched from URL/v1/provider/record); each must verify and \
            carry a Mailvault entry. --link adds another tree (enrtree://KEY@DOMAIN). The zone has \
            SOA and NS records, the signed root at DOMAIN and one TXT per entry. Clients use \
            enrtree://<the curator's key>@DOMAIN, which is printed on standard error.

            Example:
              mailvault directory tree --key curator.key --domain providers.example.org \\
                --provider https://mail.example.org --record enr:-Kq4Q... --out providers.example.org.zone
            """
    )

    @Option(help: "The curator's key file (64 hex digits, mode 600; created when missing).")
    var key: String

    @Option(help: "The domain the tree is published at.")
    var domain: String

    @Option(name: .customLong("record"), help: "A provider's enr: record (repeatable).")
    var records: [String] = []

    @Option(name: .customLong("records"), help: "A file of enr: records, one per line (repeatable).")
    var recordFiles: [String] = []

    @Option(name: .customLong("provider"), help: "A provider URL whose record is fetched from /v1/provider/record (repeatable).")
    var providers: [String] = []

    @Option(name: .customLong("link"), help: "Another tree to link to, enrtree://KEY@DOMAIN (repeatable).")
    var links: [String] = []

    @Option(name: .customLong("seq"), help: "The tree's sequence number (default: the current Unix time).")
    var sequence: UInt64?

    @Option(name: .customLong("nameserver"), help: "The zone's primary name server, fully qualified (default ns1.DOMAIN.).")
    var nameserver: String?

    @Option(name: .customLong("out"), help: "Write the zone file here instead of standard output.")
    var out: String?

    func run() async throws {
        var texts = records
        for file in recordFiles {
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read the records file \(file)") }
            for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
                let text = line.trimmingCharacters(in: .whitespaces)
                if !text.isEmpty, !text.hasPrefix("#") { texts.append(text) }
            }
        }
        for provider in providers { texts.append(try await Self.fetchRecord(provider)) }
        guard !texts.isEmpty || !links.isEmpty else { throw CLIError("give at least one --record, --records, --provider or --link") }
        var parsed: [NodeRecord] = []
        for text in texts {
            let record: NodeRecord
            do {
                record = try NodeRecord(text: text)
                guard try ProviderEndpoints(record: record) != nil else { throw CLIError("it has no 'mailvault' entry") }
            } catch {
                throw CLIError("the record \(text.prefix(24))... is refused: \(error)")
            }
            parsed.append(record)
        }
        let treeLinks = try links.map { text in
            do { return try TreeLink(text: text) } catch { throw CLIError("--link \(text): \(error)") }
        }
        let curator = try ProviderKey.load(path: key, create: true)
        let tree = DirectoryTree(records: parsed, links: treeLinks, sequence: sequence ?? UInt64(Date().timeIntervalSince1970),
                                 signer: curator)
        let zone = try tree.zoneFile(domain: domain, options: DirectoryTree.ZoneOptions(nameserver: nameserver))
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: Data(zone.utf8)) else { throw CLIError("cannot write \(out)") }
        } else {
            print(zone, terminator: "")
        }
        let url = try TreeLink(publicKey: curator.verifyingKey, domain: domain)
        FileHandle.standardError.write(Data("tree: \(url.text) (sequence \(tree.root.sequence), \(Set(parsed.map(\.nodeID)).count) records, \(treeLinks.count) links)\n".utf8))
    }

    /// The record a provider serves at `GET URL/v1/provider/record`.
    static func fetchRecord(_ provider: String) async throws -> String {
        var base = provider
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base + "/v1/provider/record"), let scheme = url.scheme, ["http", "https"].contains(scheme) else {
            throw CLIError("--provider \(provider) is not an http(s) URL")
        }
        var request = URLRequest(url: url, timeoutInterval: 15)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw CLIError("cannot fetch \(url): \(error.localizedDescription)")
        }
        guard let status = (response as? HTTPURLResponse)?.statusCode, status == 200 else {
            throw CLIError("\(url) answered \((response as? HTTPURLResponse)?.statusCode ?? 0): \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
        struct Body: Decodable { let record: String }
        guard let body = try? JSONDecoder().decode(Body.self, from: data) else {
            throw CLIError("\(url) did not answer {\"record\":\"enr:...\"}")
        }
        return body.record
    }
}
