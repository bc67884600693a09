import Foundation

/// Compiles and runs C programs against the built C library and its header, as a C user would.
enum CBuild {
    /// The package root (this file is Tests/MailvaultCTests/CBuild.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The folder holding `mailvault.h`.
    static let includeDirectory = packageRoot.appendingPathComponent("Sources/MailvaultC/include").path

    /// The build products folder holding libMailvaultC.so, found by walking up from the test binary.
    static let libraryDirectory: String? = {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        while !directory.path.isEmpty, directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent(libraryName).path) {
                return directory.path
            }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }()

    #if canImport(Darwin)
    static let libraryName = "libMailvaultC.dylib"
    #else
    static let libraryName = "libMailvaultC.so"
    #endif

    /// The system C compiler (`cc`), else the toolchain's clang.
    static let compiler: String? = {
        let candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            .split(separator: ":").flatMap { ["\($0)/cc", "\($0)/clang"] } + ["/usr/bin/cc", "/opt/swift/usr/bin/clang"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs `executable` with `arguments` (in `directory` when given), collecting its output.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                    in directory: String? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes concurrently so a chatty stderr cannot block the child.
        let errData = LockedData()
        let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errData.isSet { usleep(1000) }
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: errData.get(), as: UTF8.self))
    }

    /// `run` on a thread of its own, for async tests: waiting for a compiler or a test run for
    /// a minute must not hold one of the cooperative pool's threads (there are as many as cores),
    /// which the in-process servers and sealers of the other suites need meanwhile.
    static func runOffPool(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           in directory: String? = nil) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try run(executable, arguments, environment: environment, in: directory) })
            }.start()
        }
    }

    /// Compiles C `sources` into `output` against the header and the library; extra flags
    /// first (e.g. `-fsanitize=address`).
    static func compile(_ sources: [String], output: String, flags: [String] = []) throws -> Output {
        guard let compiler, let libraryDirectory else {
            return Output(status: -1, stdout: "", stderr: "no C compiler or no \(libraryName) found")
        }
        return try run(compiler, flags + ["-std=c11", "-Wall", "-Werror", "-I", includeDirectory] + sources
            + ["-L", libraryDirectory, "-lMailvaultC", "-Wl,-rpath,\(libraryDirectory)", "-o", output])
    }

    /// The static archive beside the shared library (`MailvaultCStatic`).
    static var staticLibrary: String? {
        libraryDirectory.map { $0 + "/libMailvaultCStatic.a" }
    }

    /// The toolchain's runtime libraries (`usr/lib/swift/linux`), next to the `swift` on `PATH`.
    static let swiftRuntimeDirectory: String = {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for directory in paths + ["/opt/swift/usr/bin"] {
            let swift = URL(fileURLWithPath: directory + "/swift").resolvingSymlinksInPath()
            let runtime = swift.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("lib/swift/linux").path
            if FileManager.default.fileExists(atPath: runtime + "/libswiftCore.so") { return runtime }
        }
        return "/opt/swift/usr/lib/swift/linux"
    }()

    /// What a C linker needs to link the static archive into an executable (Docs/CAPI.md,
    /// "Linking the static library"), plus the unoptimized build's support library when the
    /// archive is a debug build (its generic code calls pre-specialized functions from it).
    static var staticLinkFlags: [String]? {
        guard let archive = staticLibrary, FileManager.default.fileExists(atPath: archive) else { return nil }
        let runtime = swiftRuntimeDirectory
        let debug = archive.contains("/debug/") ? ["-lswiftSwiftOnoneSupport"] : []
        return ["\(runtime)/x86_64/swiftrt.o", archive, "-L\(runtime)", "-Wl,-rpath,\(runtime)"] + debug
            + ["-lswiftCore", "-lswift_Concurrency", "-lswiftSynchronization", "-lswift_StringProcessing",
               "-lswift_RegexParser", "-lswiftDispatch", "-ldispatch", "-lBlocksRuntime", "-lswiftGlibc",
               "-lFoundation", "-lFoundationEssentials", "-lFoundationInternationalization", "-l_FoundationICU",
               "-llmdb", "-lzstd", "-lstdc++", "-lm", "-lpthread", "-ldl"]
    }

    /// The shared library's link flags.
    static var sharedLinkFlags: [String]? {
        libraryDirectory.map { ["-L\($0)", "-lMailvaultC", "-Wl,-rpath,\($0)"] }
    }

    /// An executable on `PATH` (or in `extra` folders), `nil` when there is none.
    static func tool(_ name: String, extra: [String] = []) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        return (paths + extra).map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "mailvault-c-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// Bytes written by one thread and read by another.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?

    func set(_ value: Data) { lock.withLock { data = value } }
    var isSet: Bool { lock.withLock { data != nil } }
    func get() -> Data { lock.withLock { data ?? Data() } }
}
