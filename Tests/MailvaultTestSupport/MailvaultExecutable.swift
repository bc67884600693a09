import Foundation

/// The built `mailvault` binary, for tests that run it as a user or a script would: found by
/// walking up from the test bundle to the build folder that holds both.
public enum MailvaultExecutable {
    /// Where the binary is (`.build/debug/mailvault` when nothing better is found).
    public static let url: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while !directory.path.isEmpty, directory.path != "/" {
            let candidate = directory.appendingPathComponent("mailvault")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate
            }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/mailvault")
    }()

    /// What a finished run printed and how it exited.
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs the binary with `arguments`, `environment` added to (or replacing) this process's and
    /// `stdin` as its standard input (none: end of file), its output in files (no pipe to fill
    /// up), waiting without holding a thread of the cooperative pool, which in-process servers
    /// it talks to need.
    public static func run(_ arguments: [String], stdin: String? = nil,
                           environment: [String: String] = [:]) async throws -> Output {
        let directory = NSTemporaryDirectory() + "mailvault-run-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["out", "err"] { FileManager.default.createFile(atPath: directory + "/" + name, contents: nil) }
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let stdin {
            FileManager.default.createFile(atPath: directory + "/in", contents: Data(stdin.utf8))
            process.standardInput = FileHandle(forReadingAtPath: directory + "/in")
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        process.standardOutput = FileHandle(forWritingAtPath: directory + "/out")
        process.standardError = FileHandle(forWritingAtPath: directory + "/err")
        let (exited, exit) = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exit.finish() }
        try process.run()
        for await _ in exited {}
        func text(_ name: String) -> String {
            String(decoding: FileManager.default.contents(atPath: directory + "/" + name) ?? Data(), as: UTF8.self)
        }
        return Output(status: process.terminationStatus, stdout: text("out"), stderr: text("err"))
    }
}
