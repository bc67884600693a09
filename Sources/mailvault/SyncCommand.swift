import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import MailvaultCore
import MailvaultFederation
import MailvaultStore

/// `mailvault sync`: one reconciliation round on demand, into a data directory or by a running node.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Reconcile an archive with a peer now (Negentropy over the retention window) and fetch what it lacks.",
        discussion: """
            With --data-dir, opens that archive (not one a running node holds: use --node for that) and
            reconciles it with --peer: the envelopes only the peer holds are fetched and stored through
            the archive rules, and a JSON report is printed. The peer's key is remembered in
            DATA_DIR/peers.json as `serve` does. With --node, asks that running node (from its own host)
            to reconcile with its peers now, or with the one --peer names, and prints its reports.

            Examples:
              mailvault sync --peer https://b.example.org --data-dir /var/lib/mailvault
              mailvault sync --node http://127.0.0.1:8080
              mailvault sync --node http://127.0.0.1:8080 --peer https://b.example.org
            """
    )

    @Option(help: "The peer: URL, or URL#0xADDRESS to pin its key.")
    var peer: String?
    @Option(name: .customLong("data-dir"), help: "The archive to fill (not held by a running node).")
    var dataDirectory: String?
    @Option(help: "A running node (its base URL) to start the rounds on instead.")
    var node: String?
    @Option(name: .customLong("min-pow"), help: "Minimum PoW of stored envelopes (default 0.000002), with --data-dir.")
    var minimumPoW: Double = IngestPolicy.statusMinimumPoW
    @Option(name: .customLong("max-size"), help: "Largest envelope, 20 + data bytes (default 1048576), with --data-dir.")
    var maximumSize: Int = IngestPolicy.defaultMaximumSize
    @Option(name: .customLong("max-age"), help: "The window reconciled: seconds or 30d/12h/15m (default 30d), with --data-dir.")
    var maximumAge: String = "30d"

    func validate() throws {
        guard (dataDirectory == nil) != (node == nil) else {
            throw ValidationError("give either --data-dir (with --peer) or --node")
        }
        if dataDirectory != nil, peer == nil { throw ValidationError("--data-dir needs --peer") }
        guard minimumPoW >= 0, minimumPoW.isFinite else { throw ValidationError("--min-pow must be a non-negative number") }
        guard maximumSize > 0 else { throw ValidationError("--max-size must be positive") }
    }

    func run() async throws {
        if let node {
            try await startRounds(on: node)
            return
        }
        guard let dataDirectory, let peer else { return }
        let spec: PeerSpec
        do {
            spec = try PeerSpec(peer)
        } catch {
            throw CLIError("\(error)")
        }
        let retention = RetentionPolicy(maximumAge: try Settings.seconds(maximumAge, option: "--max-age"))
        let store: EnvelopeStore
        do {
            store = try EnvelopeStore.open(at: dataDirectory, configuration: StoreConfiguration(retention: retention))
        } catch {
            throw CLIError("cannot open the store in \(dataDirectory): \(error)")
        }
        defer { store.close() }
        var logger = Logger(label: "mailvault")
        logger.logLevel = .error
        var configuration = FederationConfiguration()
        configuration.peers = [spec]
        let federation = Federation(
            replica: Replica(archive: store, policy: IngestPolicy(minimumPoW: minimumPoW, maximumSize: maximumSize),
                             retention: retention),
            configuration: configuration, dataDirectory: dataDirectory, selfAddress: nil, logger: logger)
        let result: Result<RoundReport, FederationError>
        do {
            result = .success(try await federation.reconcile(with: federation.peers[0]))
        } catch {
            result = .failure(error)
        }
        await federation.shutdown()
        switch result {
        case .success(let report):
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        case .failure(let error):
            throw CLIError("\(error)")
        }
    }

    private func startRounds(on node: String) async throws {
        var url = node
        while url.hasSuffix("/") { url.removeLast() }
        var components = URLComponents(string: url + "/v1/sync/rounds")
        if let peer { components?.queryItems = [URLQueryItem(name: "peer", value: peer)] }
        guard let target = components?.url else { throw CLIError("invalid --node '\(node)'") }
        var request = URLRequest(url: target)
        request.httpMethod = "POST"
        request.timeoutInterval = 3600
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw CLIError("cannot reach \(node): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            throw CLIError("\(node) answered \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        print(String(decoding: data, as: UTF8.self))
    }
}
