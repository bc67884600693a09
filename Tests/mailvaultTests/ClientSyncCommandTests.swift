import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import MailvaultTestSupport
import NIOCore
import Testing

/// `mailvault client sync` (and the options it shares with `audit` and `providers rank`) against
/// real `mailvault serve` processes found through a node's directory (`--bootstrap`): a
/// directory here is a small server that answers `GET /v1/providers` with the nodes' own signed
/// descriptors, as the directory endpoint does, plus an entry that does not verify.
@Suite("client sync command", .serialized)
struct ClientSyncCommandTests {
    /// The binary, waited for without holding a thread of the cooperative pool (the directory
    /// server runs in this process).
    static func run(_ arguments: [String]) async throws -> CLI.Output {
        let output = try await MailvaultExecutable.run(arguments)
        return CLI.Output(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }

    /// A directory answering with `entries`, each a JSON object as text.
    static func directory(_ entries: [String]) async throws -> (port: Int, task: Task<Void, any Error>) {
        let body = "{\"providers\":[" + entries.joined(separator: ",") + "]}"
        let router = Router()
        router.get("/v1/providers") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                      onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) })
        let task = Task { try await application.runService() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw CLIFailure("the directory did not start") }
        return (port, task)
    }

    @Test func aSyncThroughADirectoryGetsEverythingAndTheSharedOptionsTakeTheDirectoryToo() async throws {
        let cluster = try Cluster(count: 3)
        defer { cluster.stop() }
        try await cluster.start(links: [], extra: Dictionary(uniqueKeysWithValues: (0..<3).map { ($0, ["--public-url", cluster.url($0)]) }))
        let envelopes = (0..<20).map { Cluster.envelope($0) }
        try await cluster.post(to: 0, envelopes)
        try await cluster.post(to: 1, envelopes)
        // Node 2 never got five of them: its signed lists lack them, within its coverage.
        try await cluster.post(to: 2, envelopes.enumerated().filter { $0.offset % 4 != 0 }.map(\.element))
        var entries: [String] = []
        for node in 0..<3 {
            var request = URLRequest(url: URL(string: cluster.url(node) + "/v1/provider")!)
            request.timeoutInterval = 10
            let (data, _) = try await URLSession.shared.data(for: request)
            entries.append(String(decoding: data, as: UTF8.self))
        }
        // An entry whose document was changed after signing is skipped, not used.
        entries.append(entries[0].replacingOccurrences(of: "127.0.0.1:\(cluster.ports[0])", with: "127.0.0.1:9"))
        let directory = try await ClientSyncCommandTests.directory(entries)
        defer { directory.task.cancel() }
        cluster.terminate(1)

        let data = NSTemporaryDirectory() + "mailvault-client-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: data) }
        let since = "\(UInt32(Date().timeIntervalSince1970) - 600)"
        let bootstrap = "http://127.0.0.1:\(directory.port)"
        let output = try await ClientSyncCommandTests.run(["client", "sync", "--bootstrap", bootstrap, "--since", since,
                                                            "--data-dir", data, "--json", "--quiet"])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect(json["fetched"] as? Int == envelopes.count && json["complete"] as? Bool == true)
        #expect(json["evidenceWritten"] as? Int == 5)
        let providers = try #require(json["providers"] as? [[String: Any]])
        #expect(providers.count == 3, "\(providers.map { $0["url"] ?? "" })")
        let role = { (node: Int) in providers.first { $0["url"] as? String == cluster.url(node) }?["role"] as? String }
        #expect(role(0) == "asked" && role(2) == "asked" && role(1) == "unreachable")
        let lacking = try #require(providers.first { $0["url"] as? String == cluster.url(2) })
        #expect(lacking["missing"] as? Int == 5 && lacking["evidenceWritten"] as? Int == 5)
        let ranking = try #require(json["ranking"] as? [[String: Any]])
        #expect(ranking.last?["url"] as? String == cluster.url(2))
        for file in try FileManager.default.contentsOfDirectory(atPath: data + "/evidence") {
            let check = try await ClientSyncCommandTests.run(["evidence", "check", data + "/evidence/" + file])
            #expect(check.status == 0, "\(check.stdout)")
        }

        // `providers rank` and `audit` read the same directory with the same defaults.
        let rank = try await ClientSyncCommandTests.run(["providers", "rank", "--bootstrap", bootstrap])
        #expect(rank.status == 0, "\(rank.stderr)")
        #expect(rank.stdout.contains(cluster.url(0)) && rank.stdout.contains(cluster.url(2)))
        let audit = try await ClientSyncCommandTests.run(["audit", "--bootstrap", bootstrap, "--table"])
        #expect(audit.status == 0, "\(audit.stderr)")
        #expect(audit.stdout.contains("PROVEN"))
    }
}
