import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MailvaultAccountability
import MailvaultCore
import MailvaultTestSupport
import MailvaultStore
import Testing

@Suite("mailvault serve")
struct ServeCommandTests {
    /// A `mailvault serve` child process and the output it printed up to its "listening" line.
    struct Served: @unchecked Sendable {
        let process: Process
        let output: String
        /// The port it printed.
        var port: Int? {
            output.split(separator: "\n").first { $0.hasPrefix("listening on http://127.0.0.1:") }
                .flatMap { Int($0.split(separator: ":").last ?? "") }
        }
    }

    /// Starts `mailvault serve` on a free port as an operator would and waits (up to 30 s) for
    /// its "listening" line.
    /// `serve` from an async test: the wait for the "listening" line holds no thread of the
    /// cooperative pool.
    static func started(directory: String, arguments: [String] = [], environment: [String: String] = [:]) async throws -> Served {
        try await OffPool.run { Result { try serve(directory: directory, arguments: arguments, environment: environment) } }.get()
    }

    static func serve(directory: String, arguments: [String] = [], environment: [String: String] = [:]) throws -> Served {
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["serve", "--port", "0", "--data-dir", directory] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while !text.contains("listening on"), Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        return Served(process: process, output: text)
    }

    /// Starts `mailvault serve` as an operator would, waits for its "listening" line, then stops
    /// it with SIGTERM: it must exit 0 after closing the store.
    @Test func startsPrintsItsConfigurationAndStopsOnSIGTERM() throws {
        let directory = NSTemporaryDirectory() + "mailvault-serve-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let served = try ServeCommandTests.serve(directory: directory, arguments: ["--max-age", "7d"],
                                                 environment: ["MAILVAULT_MIN_POW": "0.5"])
        let text = served.output
        #expect(text.contains("listening on http://127.0.0.1:"))
        #expect(text.contains("config min-pow=0.5"))
        #expect(text.contains("config max-age=7d"))
        #expect(text.contains("config data-dir=\(directory)"))
        kill(served.process.processIdentifier, SIGTERM)
        served.process.waitUntilExit()
        #expect(served.process.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: directory + "/data.mdb"))
    }

    /// The binary as deployed (its event loops are Swift's executor, receipts are signed in
    /// batches): many concurrent pages each carry a receipt that verifies on its own and commits
    /// to exactly the keys of its page, and every receipt was counted in a signed batch.
    @Test func concurrentPagesCarryReceiptsThatVerify() async throws {
        let directory = NSTemporaryDirectory() + "mailvault-serve-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let served = try ServeCommandTests.serve(directory: directory, arguments: ["--query-rate", "0", "--ingest-rate", "0"],
                                                 environment: ["MAILVAULT_MIN_POW": "0"])
        defer {
            kill(served.process.processIdentifier, SIGTERM)
            served.process.waitUntilExit()
        }
        let port = try #require(served.port, "no listening line in: \(served.output)")
        let base = "http://127.0.0.1:\(port)"
        let now = UInt32(Date().timeIntervalSince1970)
        let topic = Topic(0xde, 0xad, 0xbe, 0xef)
        let envelopes = (0..<7).map { Envelope(expiry: now + 60, ttl: 60, topic: topic, data: [UInt8($0)], nonce: UInt64($0)) }
        var post = URLRequest(url: URL(string: base + "/v1/envelopes")!)
        post.httpMethod = "POST"
        post.setValue("application/x-rlp", forHTTPHeaderField: "Content-Type")
        post.httpBody = Data(Envelope.encodePacket(envelopes))
        let (_, posted) = try await URLSession.shared.data(for: post)
        #expect((posted as? HTTPURLResponse)?.statusCode == 200)

        let pages = 32
        let verified = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<pages {
                group.addTask {
                    let url = URL(string: base + "/v1/hashes?topics=\(topic)&limit=\(1 + index % 7)")!
                    let (data, _) = try await URLSession.shared.data(from: url)
                    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
                    let entries = try #require(object["hashes"] as? [[String: Any]])
                    let keys = try entries.map { entry in
                        EnvelopeKey(sent: UInt32(try #require(entry["sent"] as? Int)),
                                    hash: try Hash256(hex: try #require(entry["hash"] as? String)))
                    }
                    let receipt = try SignedDocument(object: try #require(object["receipt"] as? [String: Any]))
                    try receipt.verify()
                    let body = try receipt.decode(QueryReceipt.self)
                    return keys.count == 1 + index % 7 && body.commits(to: keys) && body.provider == receipt.signer.description
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(verified == pages)
        let (metrics, _) = try await URLSession.shared.data(from: URL(string: base + "/metrics")!)
        let text = String(decoding: metrics, as: UTF8.self)
        let signedReceipts = text.split(separator: "\n").first { $0.hasPrefix("mailvault_receipt_batch_size_sum") }
            .flatMap { Double($0.split(separator: " ").last ?? "") }
        #expect(signedReceipts == Double(pages))
    }

    @Test(arguments: [
        (["serve", "--max-age", "0"], [:]),
        (["serve", "--retention-tier", "x:1d"], [:]),
        (["serve", "--port", "70000"], [:]),
        (["serve"], ["MAILVAULT_MIN_POW": "lots"]),
        (["serve", "--log-level", "loud"], [:]),
    ] as [([String], [String: String])])
    func badConfigurationIsOneLineOnStderr(arguments: [String], environment: [String: String]) async throws {
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = arguments + ["--data-dir", NSTemporaryDirectory() + "mailvault-never-\(UUID().uuidString)"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let err = Pipe()
        process.standardOutput = Pipe()
        process.standardError = err
        try process.run()
        let stderr = await OffPool.run {
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return stderr
        }
        #expect(process.terminationStatus != 0)
        #expect(stderr.split(separator: "\n").count == 1, "\(stderr)")
    }
}
