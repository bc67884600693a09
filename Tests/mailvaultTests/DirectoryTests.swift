import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The directory by peer exchange between real `mailvault serve` processes: a client that knows
/// one node learns every provider its peers know.
@Suite("directory", .serialized)
struct DirectoryTests {
    /// A line A–B–C, each with its public URL: A lists C, which it never peered with, learnt
    /// from B's directory; every listed descriptor is the one the provider itself serves.
    @Test func aNodeListsThePeersOfItsPeers() async throws {
        let cluster = try Cluster(count: 3)
        defer { cluster.stop() }
        let extra = Dictionary(uniqueKeysWithValues: (0..<3).map { ($0, ["--public-url", cluster.url($0)]) })
        try await cluster.start(links: [(0, 1), (1, 2)], extra: extra)

        let deadline = Date().addingTimeInterval(30)
        var listed: [String: [String]] = [:]
        while Date() < deadline {
            listed = try await Self.directory(cluster, 0)
            if listed.count == 3 { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(Set(listed.keys) == Set(cluster.addresses), "node 0 lists \(listed)")
        for node in 0..<3 {
            #expect(listed[cluster.addresses[node]] == [cluster.url(node)])
        }
        // Its own descriptor comes first.
        let first = try await cluster.json(0, "/v1/providers")["providers"] as? [[String: Any]]
        #expect((first?.first?["signer"] as? String) == cluster.addresses[0])

        let (status, object) = try await cluster.request(0, "GET", "/v1/providers?limit=3", contentType: nil, body: [])
        #expect(status == 400)
        #expect((object["error"] as? [String: Any])?["code"] is String)

        let metrics = try await Self.text(cluster.url(0) + "/metrics")
        #expect(metrics.contains("mailvault_directory_providers{origin=\"heard\"} 1"))
        #expect(metrics.contains("mailvault_directory_providers{origin=\"peer\"} 1"))
    }

    /// Node `node`'s directory: signer address → the endpoints its signed descriptor names.
    static func directory(_ cluster: Cluster, _ node: Int) async throws -> [String: [String]] {
        let object = try await cluster.json(node, "/v1/providers")
        var out: [String: [String]] = [:]
        for entry in object["providers"] as? [[String: Any]] ?? [] {
            guard let signer = entry["signer"] as? String, let document = entry["document"] as? String,
                  let descriptor = try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any] else { continue }
            out[signer] = descriptor["endpoints"] as? [String] ?? []
        }
        return out
    }

    static func text(_ url: String) async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: URL(string: url)!)
        return String(decoding: data, as: UTF8.self)
    }
}
