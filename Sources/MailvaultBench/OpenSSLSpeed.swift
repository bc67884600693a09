import Foundation

/// The OpenSSL baseline: `openssl speed -elapsed -evp sha3-256` run as a child process. SHA3-256
/// is the same keccak-f[1600] permutation as Keccak-256 (only the padding byte differs), in
/// OpenSSL's assembly. `-elapsed` makes it measure wall-clock time, as the bench does (its
/// default is CPU time, which reads high on a loaded machine).
struct OpenSSLSpeed {
    let executable: String
    /// `openssl version`'s output, e.g. "OpenSSL 3.0.19 27 Jan 2026 (Library: ...)".
    let version: String

    /// The note a report carries when there is no `openssl` binary.
    static let absentNote = "OpenSSL baselines skipped: no openssl command on PATH (install openssl to get the ratios against it)"

    /// The first `openssl` on PATH that answers `openssl version`; nil when there is none.
    static func locate() -> OpenSSLSpeed? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        for directory in directories {
            let candidate = String(directory) + "/openssl"
            guard FileManager.default.isExecutableFile(atPath: candidate),
                  let output = try? run(candidate, ["version"]), output.status == 0 else { continue }
            let version = output.text.trimmingCharacters(in: .whitespacesAndNewlines)
            return OpenSSLSpeed(executable: candidate, version: version.isEmpty ? "unknown" : version)
        }
        return nil
    }

    /// SHA3-256 hashes per second of `size`-byte messages over `seconds` seconds, one core.
    func hashesPerSecond(size: Int, seconds: Int) throws -> Double {
        let arguments = ["speed", "-elapsed", "-evp", "sha3-256", "-bytes", String(size), "-seconds", String(seconds), "-mr"]
        let output = try OpenSSLSpeed.run(executable, arguments)
        guard output.status == 0 else { throw BenchError("openssl speed exited with status \(output.status)") }
        // -mr prints "+F:<index>:sha3-256:<bytes per second>".
        for line in output.text.split(separator: "\n") where line.hasPrefix("+F:") {
            let fields = line.split(separator: ":")
            if fields.count >= 4, let bytesPerSecond = Double(fields[fields.count - 1]), bytesPerSecond > 0 {
                return bytesPerSecond / Double(size)
            }
        }
        throw BenchError("openssl speed printed no sha3-256 figure")
    }

    /// Runs the command and returns its exit status and standard output. posix_spawn rather than
    /// Foundation's Process: the child must start with no signal blocked and default actions
    /// (`openssl speed` ends each test with SIGALRM, and Swift's pool threads, which would
    /// otherwise pass on their signal mask, block every signal; SIGINT is ignored while the bench
    /// runs and must not stay ignored in the child).
    private static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, text: String) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw BenchError("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addclose(&actions, ends[0])
        posix_spawn_file_actions_addclose(&actions, ends[1])
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signalNumber in [SIGALRM, SIGINT, SIGTERM, SIGPIPE] { sigaddset(&defaults, signalNumber) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        close(ends[1])
        guard spawned == 0 else {
            close(ends[0])
            throw BenchError("cannot run \(executable): \(String(cString: strerror(spawned)))")
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(ends[0], $0.baseAddress, $0.count) }
            if count > 0 {
                output += buffer[0..<count]
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        close(ends[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        let exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return (exitStatus, String(decoding: output, as: UTF8.self))
    }
}
