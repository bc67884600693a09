import Foundation

/// The Python tools of the contract tests (Contracts/tests): the virtual environment
/// Scripts/setup creates at .venv-tools, run with a time limit.
public enum ContractTools {
    /// The package's root folder.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `.venv-tools/bin/python3`, or `nil` when Scripts/setup has not made it.
    public static var python: URL? {
        let python = root.appendingPathComponent(".venv-tools/bin/python3")
        return FileManager.default.isExecutableFile(atPath: python.path) ? python : nil
    }

    /// What a run printed and how it ended.
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var timedOut: Bool
    }

    /// Runs the venv's Python with `arguments` in the package root, at a lower CPU priority
    /// (`nice -n 10`, which execs it in place) so that compiling contracts does not starve the
    /// tests that run beside it with time limits of their own; stops it (SIGTERM to this one
    /// process) after `timeout`.
    public static func python(_ arguments: [String], timeout: Duration) async throws -> Output {
        guard let python else { throw ToolMissing() }
        let directory = NSTemporaryDirectory() + "mailvault-python-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["out", "err"] { FileManager.default.createFile(atPath: directory + "/" + name, contents: nil) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nice")
        process.arguments = ["-n", "10", python.path] + arguments
        process.currentDirectoryURL = root
        process.standardOutput = FileHandle(forWritingAtPath: directory + "/out")
        process.standardError = FileHandle(forWritingAtPath: directory + "/err")
        let (exited, exit) = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exit.finish() }
        try process.run()
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            process.terminate()
        }
        for await _ in exited {}
        let timedOut = watchdog.isCancelled == false && process.terminationReason == .uncaughtSignal
        watchdog.cancel()
        return Output(status: process.terminationStatus,
                      stdout: (try? String(contentsOfFile: directory + "/out", encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: directory + "/err", encoding: .utf8)) ?? "",
                      timedOut: timedOut)
    }

    /// Scripts/setup has not been run.
    public struct ToolMissing: Error, CustomStringConvertible {
        public var description: String { "no .venv-tools/bin/python3: run Scripts/setup (it installs vyper, titanoboa and pytest)" }
    }
}
