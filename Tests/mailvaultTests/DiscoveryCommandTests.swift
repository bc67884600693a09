import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MailvaultAccountability
import MailvaultCore
import MailvaultDiscovery
import MailvaultTestSupport
import Testing

/// `provider record`, `directory tree` and `providers discover` as a provider, a curator and a
/// user run them: two `mailvault serve` nodes, a tree built from their `/v1/provider/record`,
/// published by a real NSD, and discovered back.
@Suite("mailvault discovery commands", .serialized)
struct DiscoveryCommandTests {
    @Test func aCuratorsTreeLeadsAUserToExactlyTheHonestProviders() async throws {
        let directory = NSTemporaryDirectory() + "mailvault-discovery-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        var nodes: [(process: Process, url: String)] = []
        defer {
            for node in nodes {
                kill(node.process.processIdentifier, SIGTERM)
                node.process.waitUntilExit()
            }
        }
        for index in 0..<2 {
            let port = try NSDServer.freePort()
            let url = "http://127.0.0.1:\(port)"
            let served = try ServeCommandTests.serve(directory: "\(directory)/node\(index)",
                                                     arguments: ["--port", "\(port)", "--public-url", url],
                                                     environment: ["MAILVAULT_MIN_POW": "0"])
            nodes.append((served.process, url))
            #expect(served.output.contains("listening on"), "\(served.output)")
        }

        // A node without a public URL has no record to give.
        let bare = try ServeCommandTests.serve(directory: "\(directory)/bare")
        nodes.append((bare.process, "http://127.0.0.1:\(try #require(bare.port))"))
        let refused = try await CLI.run(["directory", "tree", "--key", "\(directory)/curator.key", "--domain", "a.test",
                                   "--provider", nodes[2].url])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("404") && refused.stderr.contains("noPublicURL"), "\(refused.stderr)")

        // A record a stranger signed for node 0's URL: its descriptor is not signed by that key.
        let strangerKey = "\(directory)/stranger.key"
        _ = try ProviderKey.load(path: strangerKey, create: true)
        let stranger = try await CLI.run(["provider", "record", "--key", strangerKey, "--endpoint", nodes[0].url, "--seq", "5"])
        #expect(stranger.status == 0, "\(stranger.stderr)")
        let strangerRecord = try NodeRecord(text: stranger.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(strangerRecord.sequence == 5)
        #expect(try ProviderEndpoints(record: strangerRecord)?.urls == [nodes[0].url])

        let zone = "\(directory)/tree.zone"
        let tree = try await CLI.run(["directory", "tree", "--key", "\(directory)/curator.key", "--domain", "providers.mailvault.test",
                                "--provider", nodes[0].url, "--provider", nodes[1].url, "--record", strangerRecord.text,
                                "--seq", "3", "--out", zone])
        #expect(tree.status == 0, "\(tree.stderr)")
        let url = try #require(tree.stderr.split(separator: " ").first { $0.hasPrefix("enrtree://") }.map(String.init))
        let server = try NSDServer(zones: [("providers.mailvault.test", try String(contentsOfFile: zone, encoding: .utf8))])
        defer { server.stop() }

        let discovered = try await CLI.run(["providers", "discover", url, "--dns-server", "127.0.0.1:\(server.port)", "--json"])
        #expect(discovered.status == 0, "\(discovered.stderr)")
        struct Output: Decodable {
            struct Kept: Decodable { let url: String; let address: String }
            struct Dropped: Decodable { let address: String; let reason: String }
            let providers: [Kept]
            let dropped: [Dropped]
            let trees: [String: UInt64]
        }
        let output = try JSONDecoder().decode(Output.self, from: Data(discovered.stdout.utf8))
        #expect(Set(output.providers.map(\.url)) == Set(nodes[..<2].map(\.url)))
        #expect(output.dropped.map(\.address) == [strangerRecord.address.description])
        #expect(output.dropped.first?.reason.contains("not by the record's key") == true)
        #expect(output.trees == [url: 3])

        // A user's client finds its providers through the tree alone: node 0 holds an envelope
        // node 1 lacks, so the client fetches it from node 0 and proves node 1's omission.
        var post = URLRequest(url: URL(string: nodes[0].url + "/v1/envelopes")!)
        post.httpMethod = "POST"
        post.setValue("application/x-rlp", forHTTPHeaderField: "Content-Type")
        post.httpBody = Data(Envelope.encodePacket([Cluster.envelope(1)]))
        let (_, posted) = try await URLSession.shared.data(for: post)
        #expect((posted as? HTTPURLResponse)?.statusCode == 200)
        let synced = try await CLI.run(["client", "sync", "--enrtree", url, "--dns-server", "127.0.0.1:\(server.port)",
                                  "--data-dir", "\(directory)/client", "--json"])
        #expect(synced.status == 0, "\(synced.stderr)")
        struct Summary: Decodable {
            struct Provider: Decodable { let url: String; let evidenceWritten: Int }
            let fetched: Int
            let providers: [Provider]
        }
        let summary = try JSONDecoder().decode(Summary.self, from: Data(synced.stdout.utf8))
        #expect(summary.fetched == 1)
        #expect(Set(summary.providers.map(\.url)) == Set(nodes[..<2].map(\.url)))
        #expect(summary.providers.first { $0.url == nodes[1].url }?.evidenceWritten == 1)
        let badTree = try await CLI.run(["client", "sync", "--enrtree", url.replacingOccurrences(of: "providers.", with: "absent."),
                                   "--dns-server", "127.0.0.1:\(server.port)", "--data-dir", "\(directory)/client2"])
        #expect(badTree.status != 0)
        #expect(badTree.stderr.split(separator: "\n").count == 1, "\(badTree.stderr)")

        // The table form, and one line on standard error for bad input.
        let table = try await CLI.run(["providers", "discover", url, "--dns-server", "127.0.0.1:\(server.port)"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("dropped \(strangerRecord.address)"))
        for arguments in [["providers", "discover", "enrtree://nokey@x.test", "--dns-server", "127.0.0.1:\(server.port)"],
                          ["providers", "discover", url.replacingOccurrences(of: "providers.", with: "absent."),
                           "--dns-server", "127.0.0.1:\(server.port)"],
                          ["provider", "record", "--key", strangerKey],
                          ["provider", "record", "--key", strangerKey, "--endpoint", "ftp://x"],
                          ["directory", "tree", "--key", "\(directory)/curator.key", "--domain", "bad domain", "--record", strangerRecord.text],
                          ["directory", "tree", "--key", "\(directory)/curator.key", "--domain", "a.test", "--record", "enr:AAAA"]] {
            let failed = try await CLI.run(arguments)
            #expect(failed.status != 0, "\(arguments)")
            #expect(failed.stderr.split(separator: "\n").count == 1, "\(arguments): \(failed.stderr)")
        }
    }
}
