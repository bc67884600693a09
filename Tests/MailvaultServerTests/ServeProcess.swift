import Foundation
import MailvaultTestSupport

/// A real `mailvault serve` process on a free loopback port with its own data directory, for
/// tests that mix it with in-process servers.
final class ServeProcess: @unchecked Sendable {
    let port: Int
    let directory: String
    private var process: Process?

    var url: String { "http://127.0.0.1:\(port)" }

    init() async throws {
        directory = NSTemporaryDirectory() + "mailvault-serve-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = try ServeProcess.freePort()
        let process = Process()
        process.executableURL = MailvaultExecutable.url
        process.arguments = ["serve", "--port", "\(port)", "--data-dir", directory + "/data",
                             "--ingest-rate", "0", "--query-rate", "0", "--log-level", "warning"]
        process.environment = ProcessInfo.processInfo.environment.merging(["MAILVAULT_MIN_POW": "0"]) { $1 }
        let out = directory + "/stdout.log"
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: directory + "/stderr.log", contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: directory + "/stderr.log")
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains("listening on") { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let errors = (try? String(contentsOfFile: directory + "/stderr.log", encoding: .utf8)) ?? ""
        stop()
        throw TestFailure("mailvault serve did not start: \(errors.suffix(1000))")
    }

    /// SIGTERM and wait; the directory stays until `remove()`.
    func stop() {
        guard let process else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        self.process = nil
    }

    func remove() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A port no one listens on now (the system's pick, released at once).
    static func freePort() throws -> Int {
        try Loopback.freePort()
    }
}

/// The `mailvault` binary run as a script would, its output in files (no pipe to fill up).
enum MailvaultRun {
    typealias Output = MailvaultExecutable.Output

    /// Waits for the process without holding a thread of the cooperative pool, which the
    /// in-process servers it talks to need.
    static func run(_ arguments: [String]) async throws -> Output {
        try await MailvaultExecutable.run(arguments)
    }
}
