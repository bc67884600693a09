import Foundation
import MailvaultCore

/// The machine a report was measured on: what a reader needs to compare two reports.
struct BenchMachine {
    let cpuModel: String
    let logicalCores: Int
    let activeCores: Int
    /// The Keccak kernels this CPU runs (the SIMD the figures used) and the ones picked.
    let kernels: [String]
    let bestKernel: String
    let bestSingleKernel: String
    /// The CPU's vector extensions that matter to the kernels, from /proc/cpuinfo.
    let cpuFlags: [String]
    let memoryBytes: UInt64
    let operatingSystem: String
    let kernelRelease: String
    /// The 1, 5 and 15-minute load averages when the bench started: a loaded machine gives low
    /// absolute figures (the ratios hold better).
    let loadAverage: [Double]
    let openssl: String?
    /// Where the temporary stores were written and the file system there (tmpfs would make the
    /// durable-ingest figures meaningless).
    let dataDirectory: String?
    let fileSystem: String?

    /// Flags of /proc/cpuinfo that the kernels (or OpenSSL's SHA-3) can use, and `hypervisor`:
    /// a virtual machine's cores may share physical cores (and their vector units) with others.
    static let interestingFlags = ["sse2", "ssse3", "avx", "avx2", "bmi2", "avx512f", "avx512vl", "avx512bw",
                                   "avx512_vbmi2", "sha_ni", "asimd", "sha3", "hypervisor"]

    init(openssl: OpenSSLSpeed?, dataDirectory: String?) {
        let cpuinfo = BenchMachine.read("/proc/cpuinfo") ?? ""
        var model: String?
        var flags: Set<Substring> = []
        for line in cpuinfo.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if model == nil, parts[0] == "model name" || parts[0] == "Model" || parts[0] == "cpu model" { model = parts[1] }
            if flags.isEmpty, parts[0] == "flags" || parts[0] == "Features" { flags = Set(parts[1].split(separator: " ")) }
        }
        cpuModel = model ?? "unknown"
        cpuFlags = BenchMachine.interestingFlags.filter { flags.contains(Substring($0)) }
        logicalCores = ProcessInfo.processInfo.processorCount
        activeCores = ProcessInfo.processInfo.activeProcessorCount
        kernels = KeccakKernel.available.map(\.implementation.rawValue)
        bestKernel = KeccakKernel.best.implementation.rawValue
        bestSingleKernel = KeccakKernel.bestSingle.implementation.rawValue
        memoryBytes = ProcessInfo.processInfo.physicalMemory
        operatingSystem = BenchMachine.osName()
        kernelRelease = BenchMachine.read("/proc/sys/kernel/osrelease")?.trimmingCharacters(in: .whitespacesAndNewlines)
            ?? ProcessInfo.processInfo.operatingSystemVersionString
        loadAverage = (BenchMachine.read("/proc/loadavg") ?? "").split(separator: " ").prefix(3).compactMap { Double($0) }
        self.openssl = openssl?.version
        self.dataDirectory = dataDirectory
        fileSystem = dataDirectory.flatMap(BenchMachine.fileSystemName)
    }

    /// One line for the table's header.
    var summary: String {
        "\(cpuModel), \(activeCores) cores, \(memoryBytes >> 20) MiB, kernels \(kernels.joined(separator: "/")), "
            + "\(operatingSystem) (Linux \(kernelRelease))"
    }

    var json: BenchJSON {
        var fields: [(String, BenchJSON)] = [
            ("cpuModel", .string(cpuModel)),
            ("cores", .integer(activeCores)),
            ("logicalCores", .integer(logicalCores)),
            ("simd", .object([
                ("kernels", .array(kernels.map { .string($0) })),
                ("best", .string(bestKernel)),
                ("bestSingle", .string(bestSingleKernel)),
                ("cpuFlags", .array(cpuFlags.map { .string($0) })),
            ])),
            ("memoryBytes", .integer(Int(clamping: memoryBytes))),
            ("os", .string(operatingSystem)),
            ("kernelRelease", .string(kernelRelease)),
            ("loadAverage", .array(loadAverage.map { .number($0) })),
            ("mailvaultVersion", .string(MailvaultVersion.current)),
            ("openssl", openssl.map { .string($0) } ?? .null),
        ]
        if let dataDirectory {
            fields.append(("dataDirectory", .string(dataDirectory)))
            fields.append(("fileSystem", fileSystem.map { .string($0) } ?? .null))
        }
        return .object(fields)
    }

    private static func read(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    private static func osName() -> String {
        for line in (read("/etc/os-release") ?? "").split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        #if os(macOS)
        return "macOS " + ProcessInfo.processInfo.operatingSystemVersionString
        #else
        return "unknown"
        #endif
    }

    /// The file system type of `path`: that of the longest mount point above it in /proc/mounts.
    private static func fileSystemName(_ path: String) -> String? {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var best: (mountPoint: String, type: String)?
        for line in (read("/proc/mounts") ?? "").split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            // /proc/mounts escapes spaces in mount points as \040.
            let mountPoint = fields[1].replacingOccurrences(of: "\\040", with: " ")
            let inside = mountPoint == "/" || resolved == mountPoint || resolved.hasPrefix(mountPoint + "/")
            if inside, mountPoint.count >= (best?.mountPoint.count ?? -1) { best = (mountPoint, String(fields[2])) }
        }
        return best?.type
    }
}
