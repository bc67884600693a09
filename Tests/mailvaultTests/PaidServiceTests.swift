import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MailvaultAccountability
import MailvaultCore
import MailvaultTestSupport
import Testing

/// `mailvault serve --subscriptions` against the real registry contract on py-evm, served over
/// JSON-RPC by Contracts/tests/rpc_harness.py on loopback: free quota, a paying client, an
/// expired and an unknown one, signatures that do not verify, and an RPC slower than the
/// node's bound.
@Suite("paid service", .serialized)
struct PaidServiceTests {
    struct Node {
        var url: String
        var process: Process
    }

    static func get(_ base: String, _ path: String, query: String, key: ProviderKey? = nil, signedPath: String? = nil,
                    time: UInt32? = nil) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: base + path + "?" + query)!)
        if let key {
            let signature = RequestSignature(method: "GET", path: signedPath ?? path, query: query,
                                             time: time ?? UInt32(Date().timeIntervalSince1970), key: key)
            request.setValue(signature.header, forHTTPHeaderField: RequestSignature.headerName)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, object)
    }

    static func code(_ object: [String: Any]) -> String? { (object["error"] as? [String: Any])?["code"] as? String }

    /// A scratch directory with the node's data directory (`data`, holding a provider key made
    /// from `secret`, which the harness needs to register it) and the harness's (`chain`).
    struct Workspace {
        let directory = NSTemporaryDirectory() + "mailvault-paid-\(UUID().uuidString)"
        var data: String { directory + "/data" }
        let secret = [UInt8(1)] + (1..<32).map { _ in UInt8.random(in: 0...255) }

        init() throws {
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: directory + "/chain", withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: data + "/provider.key", contents: Data(Hex.encode(secret).utf8),
                                           attributes: [.posixPermissions: 0o600])
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Contracts/tests/rpc_harness.py on a free loopback port, once it has deployed and said "ready".
    struct Harness {
        let process: Process
        let port: Int
        let contract: String

        init(python: URL, directory: String, secret: [UInt8], paid: ProviderAddress, expired: ProviderAddress,
             endpoint: String? = nil) async throws {
            port = try Loopback.freePort()
            process = Process()
            process.executableURL = python
            process.arguments = [ContractTools.root.appendingPathComponent("Contracts/tests/rpc_harness.py").path, "\(port)",
                                 directory, Hex.encode(secret), paid.description, expired.description] + (endpoint.map { [$0] } ?? [])
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            let handle = out.fileHandleForReading
            let ready = await OffPool.run { handle.availableData }
            guard String(decoding: ready, as: UTF8.self).contains("ready") else {
                process.terminate()
                throw CLIFailure("the JSON-RPC harness did not start")
            }
            let chain = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/chain.json"))) as? [String: Any]
            guard let contract = chain?["contract"] as? String else { throw CLIFailure("the harness wrote no contract address") }
            self.contract = contract
        }
    }

    @Test func freeQuotaPaidExpiredUnknownBadSignaturesAndASlowRPC() async throws {
        let python = try #require(ContractTools.python, "no .venv-tools: run Scripts/setup")
        let workspace = try Workspace()
        defer { workspace.remove() }
        let (directory, data, secret) = (workspace.directory, workspace.data, workspace.secret)
        let paid = ProviderKey.generate(), expired = ProviderKey.generate(), stranger = ProviderKey.generate()

        let harness = try await Harness(python: python, directory: directory + "/chain", secret: secret,
                                        paid: paid.address, expired: expired.address)
        defer { harness.process.terminate() }
        let (port, contract) = (harness.port, harness.contract)

        let served = try await ServeCommandTests.started(directory: data, arguments: [
            "--subscriptions", contract, "--eth-rpc", "http://127.0.0.1:\(port)", "--free-quota", "2"])
        defer {
            kill(served.process.processIdentifier, SIGTERM)
            served.process.waitUntilExit()
        }
        let base = try #require(served.output.split(separator: "\n").first { $0.hasPrefix("listening on ") }.map { String($0.dropFirst(13)) },
                                "\(served.output)")
        #expect(served.output.contains("subscriptions contract=\(contract.lowercased()) price=5000000000000000000 period=2592000"))
        let query = "topics=0x01020304"

        // Unsigned: two free requests a day, then 402 naming the contract and the price.
        for _ in 0..<2 { #expect(try await Self.get(base, "/v1/envelopes", query: query).0 == 200) }
        let (refused, error) = try await Self.get(base, "/v1/envelopes", query: query)
        #expect(refused == 402 && Self.code(error) == "paymentRequired")
        let message = ((error["error"] as? [String: Any])?["message"] as? String ?? "").lowercased()
        #expect(message.contains(contract.lowercased()) && message.contains("5000000000000000000"), "\(message)")
        // Other routes are not the paid service.
        #expect(try await Self.get(base, "/v1/provider", query: "").0 == 200)

        // Signed: each key has its own free requests, then the contract decides.
        for key in [paid, expired, stranger] {
            for _ in 0..<2 { #expect(try await Self.get(base, "/v1/hashes", query: query + "&from=0&to=2000000000", key: key).0 == 200) }
        }
        #expect(try await Self.get(base, "/v1/hashes", query: query + "&from=0&to=2000000000", key: paid).0 == 200)
        #expect(try await Self.get(base, "/v1/envelopes", query: query, key: paid).0 == 200)
        #expect(try await Self.get(base, "/v1/envelopes", query: query, key: expired).0 == 402)
        #expect(try await Self.get(base, "/v1/envelopes", query: query, key: stranger).0 == 402)

        // A signature over another request, or too old, is 401 and counts for nobody.
        let (forged, forgedError) = try await Self.get(base, "/v1/envelopes", query: query, key: paid, signedPath: "/v1/hashes")
        #expect(forged == 401 && Self.code(forgedError) == "badRequestSignature")
        let stale = UInt32(Date().timeIntervalSince1970) - 1000
        #expect(try await Self.get(base, "/v1/envelopes", query: query, key: paid, time: stale).0 == 401)

        // An RPC slower than the node's 1 s bound: the request is answered within the bound,
        // and a signed one is let through (the node does not refuse for its own outage).
        try "5".write(toFile: directory + "/chain/delay", atomically: true, encoding: .utf8)
        let slow = ProviderKey.generate()
        for _ in 0..<2 { _ = try await Self.get(base, "/v1/envelopes", query: query, key: slow) }
        let started = Date()
        let (status, _) = try await Self.get(base, "/v1/envelopes", query: query, key: slow)
        let waited = Date().timeIntervalSince(started)
        #expect(status == 200 && waited < 3, "answered \(status) after \(waited) s")
        // The paying client's standing is cached: still served while the RPC is slow.
        #expect(try await Self.get(base, "/v1/envelopes", query: query, key: paid).0 == 200)

        let (metricsData, _) = try await URLSession.shared.data(from: URL(string: base + "/metrics")!)
        let metrics = String(decoding: metricsData, as: UTF8.self)
        for outcome in ["free", "paid", "refused", "badSignature", "unknown"] {
            #expect(metrics.contains("mailvault_paid_requests_total{outcome=\"\(outcome)\"}"), "\(outcome)")
        }
    }

    /// `providers discover --registry`: the registered node is listed with its stake and its
    /// descriptor as registered; a second key registered with the same endpoint is dropped,
    /// since the descriptor there is not its own.
    @Test func discoverTheRegistryKeepsTheRegisteredKeyAndDropsAnImpostor() async throws {
        let python = try #require(ContractTools.python, "no .venv-tools: run Scripts/setup")
        let workspace = try Workspace()
        defer { workspace.remove() }
        let (directory, data, secret) = (workspace.directory, workspace.data, workspace.secret)
        let node = try ProviderKey(secret: secret)
        let served = try await ServeCommandTests.started(directory: data)
        defer {
            kill(served.process.processIdentifier, SIGTERM)
            served.process.waitUntilExit()
        }
        let base = try #require(served.output.split(separator: "\n").first { $0.hasPrefix("listening on ") }.map { String($0.dropFirst(13)) })

        let harness = try await Harness(python: python, directory: directory + "/chain", secret: secret,
                                        paid: ProviderKey.generate().address, expired: ProviderKey.generate().address, endpoint: base)
        defer { harness.process.terminate() }
        let (port, contract) = (harness.port, harness.contract)

        let output = try await MailvaultExecutable.run(["providers", "discover", "--registry", contract,
                                                        "--eth-rpc", "http://127.0.0.1:\(port)", "--json"])
        #expect(output.status == 0, "\(output.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let kept = report["providers"] as? [[String: Any]] ?? []
        let dropped = report["dropped"] as? [[String: Any]] ?? []
        #expect(kept.count == 1 && dropped.count == 1, "\(output.stdout)")
        #expect(kept.first?["provider"] as? String == node.address.description)
        #expect(kept.first?["endpoint"] as? String == base)
        #expect(kept.first?["stake"] as? String == "10000000000000000000000")
        #expect(kept.first?["descriptorRegistered"] as? Bool == true)
        #expect((dropped.first?["reason"] as? String)?.contains("not by the registered key") == true, "\(dropped)")
        #expect(dropped.first?["stake"] as? String == "20000000000000000000000")

        // Bad input: one line on stderr, a non-zero exit.
        let bad = try await MailvaultExecutable.run(["providers", "discover", "--registry", "0x12", "--eth-rpc", "http://127.0.0.1:\(port)"])
        #expect(bad.status != 0 && bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
    }
}
