import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real NSD (NLnet Labs' authoritative DNS server, Debian package `nsd`) serving zones on a free
/// loopback port, for the resolver's tests. It runs in the foreground (`-d`) as the test's own
/// user, without chroot, privilege drop, remote control or database, its pid, state and log
/// files in a temporary directory; `timeout` kills it after `lifetime` seconds even if the test
/// process dies first, and `stop()` kills it at once.
public final class NSDServer {
    /// The loopback port it answers on (UDP and TCP).
    public let port: UInt16
    /// Its configuration, zones, pid file and log.
    public let directory: String
    private let process: Process

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts NSD serving `zones` (domain and zone file text) and waits until it answers.
    public init(zones: [(domain: String, text: String)], lifetime: Int = 120) throws {
        let nsd = ["/usr/sbin/nsd", "/usr/bin/nsd"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let nsd else { throw Failure(description: "nsd is not installed (Scripts/setup installs it)") }
        directory = NSTemporaryDirectory() + "mailvault-nsd-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = try NSDServer.freePort()
        var config = """
            server:
                ip-address: 127.0.0.1
                port: \(port)
                do-ip4: yes
                do-ip6: no
                username: ""
                chroot: ""
                zonesdir: "\(directory)"
                pidfile: "\(directory)/nsd.pid"
                database: ""
                zonelistfile: "\(directory)/zone.list"
                xfrdfile: "\(directory)/xfrd.state"
                xfrdir: "\(directory)"
                logfile: "\(directory)/nsd.log"
                server-count: 1
                reuseport: no
                verbosity: 1
            remote-control:
                control-enable: no

            """
        for (domain, text) in zones {
            let file = "\(directory)/\(domain).zone"
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            config += "zone:\n    name: \(domain)\n    zonefile: \"\(file)\"\n"
        }
        try config.write(toFile: "\(directory)/nsd.conf", atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["-s", "KILL", "\(lifetime)", nsd, "-d", "-c", "\(directory)/nsd.conf"]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        try waitUntilServing()
    }

    /// Waits (at most 10 s) until NSD answers on its TCP port, which it opens once its zones
    /// are loaded.
    private func waitUntilServing() throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            guard process.isRunning else {
                let log = (try? String(contentsOfFile: "\(directory)/nsd.log", encoding: .utf8)) ?? ""
                throw Failure(description: "nsd exited: \(log.suffix(500))")
            }
            if NSDServer.accepts(port: port), FileManager.default.fileExists(atPath: "\(directory)/nsd.pid") {
                let log = (try? String(contentsOfFile: "\(directory)/nsd.log", encoding: .utf8)) ?? ""
                if log.contains("nsd started") { return }
            }
            usleep(50_000)
        }
        stop()
        throw Failure(description: "nsd did not start within 10 s")
    }

    /// Kills NSD (and its `timeout` parent) and removes its directory.
    public func stop() {
        if process.isRunning {
            // The pid file holds NSD's own pid (timeout is its parent); both are ours.
            if let text = try? String(contentsOfFile: "\(directory)/nsd.pid", encoding: .utf8),
               let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                kill(pid, SIGKILL)
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { stop() }

    /// A port free for both UDP and TCP on 127.0.0.1 right now.
    public static func freePort() throws -> UInt16 {
        UInt16(try Loopback.freePort())
    }

    static func accepts(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
