import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MailvaultAccountability
import MailvaultCore
import MailvaultTestSupport
import Testing

/// Federation between real `mailvault serve` processes on loopback ports, each with its own data
/// directory: live relay, reconciliation after downtime and partitions, gap healing. Every wait
/// is bounded.
@Suite("federation", .serialized)
struct FederationTests {
    /// Three nodes in a line (A–B–C) or a ring, envelopes posted to random nodes: every node ends
    /// up with the same key set.
    @Test(arguments: ["line", "ring"])
    func randomPostsConverge(shape: String) async throws {
        let cluster = try Cluster(count: 3)
        defer { cluster.stop() }
        let links: [(Int, Int)] = shape == "line" ? [(0, 1), (1, 2)] : [(0, 1), (1, 2), (2, 0)]
        try await cluster.start(links: links)
        var generator = SystemRandomNumberGenerator()
        for index in 0..<60 {
            try await cluster.post(to: Int.random(in: 0..<3, using: &generator), [Cluster.envelope(index)])
        }
        let keys = try await cluster.awaitConvergence(expected: 60, within: 30)
        #expect(keys.count == 60)
    }

    /// A node killed with SIGKILL during traffic, restarted after posts to its peer: it catches up
    /// at start, and the coverage gap it records for its downtime heals, naming the peer.
    @Test func killedNodeCatchesUpAndItsGapHeals() async throws {
        let cluster = try Cluster(count: 2)
        defer { cluster.stop() }
        try await cluster.start(links: [(0, 1)])
        for index in 0..<20 { try await cluster.post(to: index % 2, [Cluster.envelope(index)]) }
        _ = try await cluster.awaitConvergence(expected: 20, within: 20)
        // Node 0 keeps taking posts (which node 1 is fetching as they come) while node 1 dies.
        let traffic = Task {
            for index in 20..<50 {
                try await cluster.post(to: 0, [Cluster.envelope(index)])
                try await Task.sleep(for: .milliseconds(40))
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        cluster.kill(1)
        try await traffic.value
        try await Task.sleep(for: .seconds(3))
        try await cluster.launch(1)
        _ = try await cluster.awaitConvergence(expected: 50, within: 30)
        // The restart recorded a gap; reconciling with node 0, whose coverage spans it, heals it.
        let deadline = Date().addingTimeInterval(20)
        var healed: [[String: Any]] = []
        while Date() < deadline {
            let peers = try await cluster.json(1, "/v1/peers")
            healed = peers["healedGaps"] as? [[String: Any]] ?? []
            if !healed.isEmpty { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(healed.count == 1)
        #expect(healed.first?["peer"] as? String == cluster.addresses[0])
        let descriptor = try await cluster.json(1, "/v1/provider")
        let body = try SignedDocument(object: descriptor).decode(ProviderDescriptor.self)
        #expect(body.coverage.gaps.isEmpty)
    }

    /// The bridge of a line stops; both halves take traffic; the bridge returns and everyone
    /// converges.
    @Test func partitionHeals() async throws {
        let cluster = try Cluster(count: 3)
        defer { cluster.stop() }
        try await cluster.start(links: [(0, 1), (1, 2)])
        for index in 0..<10 { try await cluster.post(to: index % 3, [Cluster.envelope(index)]) }
        _ = try await cluster.awaitConvergence(expected: 10, within: 20)
        cluster.terminate(1)
        for index in 10..<30 { try await cluster.post(to: index % 2 == 0 ? 0 : 2, [Cluster.envelope(index)]) }
        try await cluster.launch(1)
        _ = try await cluster.awaitConvergence(expected: 30, within: 30)
    }

    /// Every malformed sync request is a 4xx with the JSON error object.
    @Test func badSyncRequestsAre4xxWithTheErrorObject() async throws {
        let cluster = try Cluster(count: 1)
        defer { cluster.stop() }
        try await cluster.start(links: [])
        let cases: [(String, String, String?, [UInt8], Int)] = [
            ("POST", "/v1/sync/negentropy", "application/octet-stream", [], 400),
            ("POST", "/v1/sync/negentropy", "application/octet-stream", [0x61, 0x05], 400),
            ("POST", "/v1/sync/negentropy", "application/octet-stream", [0x42], 400),
            ("POST", "/v1/sync/negentropy", "application/json", [0x61], 415),
            ("POST", "/v1/sync/negentropy?x=1", "application/octet-stream", [0x61], 400),
            ("POST", "/v1/sync/envelopes", "application/octet-stream", [1, 2, 3], 400),
            ("POST", "/v1/sync/envelopes", "application/octet-stream", [], 400),
            ("POST", "/v1/sync/envelopes", "application/octet-stream", Array(repeating: 7, count: 32 * 1001), 413),
            ("POST", "/v1/sync/rounds?peer=http://127.0.0.1:1", nil, [], 400),
            ("GET", "/v1/peers?x=1", nil, [], 400),
        ]
        for (method, path, type, body, status) in cases {
            let (code, object) = try await cluster.request(0, method, path, contentType: type, body: body)
            #expect(code == status, "\(method) \(path)")
            let error = object["error"] as? [String: Any]
            #expect(error?["code"] is String && error?["message"] is String, "\(method) \(path): \(object)")
        }
        // An inverted range: (10, 0x05…) then (10, 0x00…), a Skip each.
        let inverted: [UInt8] = [0x61, 0x0b, 0x01, 0x05, 0x00, 0x01, 0x00, 0x00]
        let (code, _) = try await cluster.request(0, "POST", "/v1/sync/negentropy", contentType: "application/octet-stream", body: inverted)
        #expect(code == 400)
    }
}

/// Real `mailvault serve` processes on loopback ports chosen up front, so that each can name the
/// others with `--peer`.
final class Cluster: @unchecked Sendable {
    let directories: [String]
    let ports: [Int]
    private(set) var processes: [Process?]
    private(set) var addresses: [String]
    private var peerArguments: [[String]]

    init(count: Int) throws {
        let root = NSTemporaryDirectory() + "mailvault-federation-\(UUID().uuidString)"
        directories = (0..<count).map { root + "/node\($0)" }
        for directory in directories { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        ports = try (0..<count).map { _ in try Cluster.freePort() }
        processes = Array(repeating: nil, count: count)
        addresses = Array(repeating: "", count: count)
        peerArguments = Array(repeating: [], count: count)
    }

    func url(_ node: Int) -> String { "http://127.0.0.1:\(ports[node])" }

    /// Starts every node with `--peer` for each link, both ways, and `extra` arguments by node.
    func start(links: [(Int, Int)], extra: [Int: [String]] = [:]) async throws {
        for (a, b) in links {
            peerArguments[a] += ["--peer", url(b)]
            peerArguments[b] += ["--peer", url(a)]
        }
        for (node, arguments) in extra { peerArguments[node] += arguments }
        for node in ports.indices { try await launch(node) }
    }

    /// Starts (or restarts) node `node` and waits for its listening line.
    func launch(_ node: Int) async throws {
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["serve", "--port", "\(ports[node])", "--data-dir", directories[node],
                             "--ingest-rate", "0", "--query-rate", "0", "--checkpoint-interval", "1", "--gap-slack", "1",
                             "--sync-interval", "2", "--sync-timeout", "5", "--log-level", "info"] + peerArguments[node]
        process.environment = ProcessInfo.processInfo.environment.merging(["MAILVAULT_MIN_POW": "0"]) { $1 }
        let out = directories[node] + "/stdout.log"
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: directories[node] + "/stderr.log", contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = FileHandle(forWritingAtPath: directories[node] + "/stderr.log")
        try process.run()
        processes[node] = process
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if text.contains("listening on") {
                if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("provider address=") }) {
                    addresses[node] = String(line.dropFirst("provider address=".count).prefix(42))
                }
                return
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let errors = (try? String(contentsOfFile: directories[node] + "/stderr.log", encoding: .utf8)) ?? ""
        throw CLIFailure("node \(node) did not start: \(errors.suffix(2000))")
    }

    func kill(_ node: Int) {
        guard let process = processes[node] else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        processes[node] = nil
    }

    func terminate(_ node: Int) {
        guard let process = processes[node] else { return }
        Foundation.kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        processes[node] = nil
    }

    func stop() {
        for node in processes.indices { terminate(node) }
        if let root = directories.first.map({ ($0 as NSString).deletingLastPathComponent }) {
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    /// A distinct envelope, sent now.
    static func envelope(_ index: Int) -> Envelope {
        let now = UInt32(Date().timeIntervalSince1970)
        return Envelope(expiry: now + 3600, ttl: 3600, topic: Topic(0xfe, 0xde, 0x00, UInt8(index % 7)),
                        data: Array("federated \(index) \(UUID().uuidString)".utf8), nonce: UInt64(index))
    }

    func post(to node: Int, _ envelopes: [Envelope]) async throws {
        let (status, object) = try await request(node, "POST", "/v1/envelopes", contentType: "application/x-rlp",
                                                 body: Envelope.encodePacket(envelopes))
        guard status == 200 else { throw CLIFailure("POST to node \(node): \(status) \(object)") }
    }

    /// Every key node `node` holds, through `/v1/hashes`.
    func keys(_ node: Int) async throws -> Set<String> {
        var keys = Set<String>()
        var cursor: String?
        let to = UInt32(Date().timeIntervalSince1970) + 60
        repeat {
            var path = "/v1/hashes?from=0&to=\(to)&limit=1000"
            if let cursor { path += "&cursor=\(cursor)" }
            let object = try await json(node, path)
            for entry in object["hashes"] as? [[String: Any]] ?? [] {
                keys.insert("\(entry["sent"] ?? "")/\(entry["hash"] ?? "")")
            }
            cursor = object["cursor"] as? String
        } while cursor != nil
        return keys
    }

    /// Waits until every running node holds the same `expected` keys; returns them.
    func awaitConvergence(expected: Int, within seconds: Double) async throws -> Set<String> {
        let deadline = Date().addingTimeInterval(seconds)
        var sets: [Set<String>] = []
        while Date() < deadline {
            sets = []
            for node in processes.indices where processes[node] != nil { sets.append(try await keys(node)) }
            if let first = sets.first, first.count == expected, sets.allSatisfy({ $0 == first }) { return first }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw CLIFailure("no convergence on \(expected) keys within \(seconds) s: counts \(sets.map(\.count))")
    }

    func json(_ node: Int, _ path: String) async throws -> [String: Any] {
        let (status, object) = try await request(node, "GET", path, contentType: nil, body: [])
        guard status == 200 else { throw CLIFailure("GET \(path) on node \(node): \(status) \(object)") }
        return object
    }

    func request(_ node: Int, _ method: String, _ path: String, contentType: String?, body: [UInt8]) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: url(node) + path)!)
        request.httpMethod = method
        request.timeoutInterval = 20
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        if method != "GET" { request.httpBody = Data(body) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, object)
    }

    /// A port no one listens on now (the system's pick, released at once).
    static func freePort() throws -> Int {
        try Loopback.freePort()
    }
}

struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
