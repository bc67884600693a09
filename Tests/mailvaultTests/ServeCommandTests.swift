import Foundation
import Testing

@Suite("mailvault serve")
struct ServeCommandTests {
    /// Starts `mailvault serve` as an operator would, waits for its "listening" line, then stops
    /// it with SIGTERM: it must exit 0 after closing the store.
    @Test func startsPrintsItsConfigurationAndStopsOnSIGTERM() throws {
        let directory = NSTemporaryDirectory() + "mailvault-serve-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["serve", "--port", "0", "--data-dir", directory, "--max-age", "7d"]
        process.environment = ProcessInfo.processInfo.environment.merging(["MAILVAULT_MIN_POW": "0.5"]) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while !text.contains("listening on"), Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        #expect(text.contains("listening on http://127.0.0.1:"))
        #expect(text.contains("config min-pow=0.5"))
        #expect(text.contains("config max-age=7d"))
        #expect(text.contains("config data-dir=\(directory)"))
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: directory + "/data.mdb"))
    }

    @Test(arguments: [
        (["serve", "--max-age", "0"], [:]),
        (["serve", "--retention-tier", "x:1d"], [:]),
        (["serve", "--port", "70000"], [:]),
        (["serve"], ["MAILVAULT_MIN_POW": "lots"]),
        (["serve", "--log-level", "loud"], [:]),
    ] as [([String], [String: String])])
    func badConfigurationIsOneLineOnStderr(arguments: [String], environment: [String: String]) throws {
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = arguments + ["--data-dir", NSTemporaryDirectory() + "mailvault-never-\(UUID().uuidString)"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let err = Pipe()
        process.standardOutput = Pipe()
        process.standardError = err
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(stderr.split(separator: "\n").count == 1, "\(stderr)")
    }
}
