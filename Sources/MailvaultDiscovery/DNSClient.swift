import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A stub resolver for TXT records: one server, UDP first, TCP when the answer is truncated,
/// a timeout per attempt and a bounded number of attempts.
public struct DNSClient: Sendable {
    /// The server's host (an IP address or a name).
    public let host: String
    /// The server's port (53 unless given).
    public let port: UInt16
    /// How long one attempt waits for its answer.
    public var timeout: Duration
    /// How many times a query is sent before `timeout` is thrown (network errors and timeouts
    /// are retried; answers, even errors such as NXDOMAIN, are not).
    public var attempts: Int

    /// A client of the server at `HOST:PORT` (or `[IPv6]:PORT`; the port defaults to 53).
    public init(server: String, timeout: Duration = .seconds(2), attempts: Int = 3) throws(DNSError) {
        var host = server
        var port: UInt16 = 53
        if server.hasPrefix("[") {
            guard let close = server.firstIndex(of: "]") else { throw .invalidServer(server) }
            host = String(server[server.index(after: server.startIndex)..<close])
            let rest = server[server.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let value = UInt16(rest.dropFirst()) else { throw .invalidServer(server) }
                port = value
            }
        } else if let colon = server.lastIndex(of: ":"), server.firstIndex(of: ":") == colon {
            host = String(server[..<colon])
            guard let value = UInt16(server[server.index(after: colon)...]) else { throw .invalidServer(server) }
            port = value
        }
        guard !host.isEmpty, port != 0, attempts >= 1 else { throw .invalidServer(server) }
        self.host = host
        self.port = port
        self.timeout = timeout
        self.attempts = attempts
    }

    /// A client of the first `nameserver` in `path` (/etc/resolv.conf), port 53.
    public static func system(path: String = "/etc/resolv.conf") throws(DNSError) -> DNSClient {
        guard let data = FileManager.default.contents(atPath: path) else { throw .noSystemServer }
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count >= 2, fields[0] == "nameserver" {
                let address = String(fields[1].split(separator: "%").first ?? fields[1])
                return try DNSClient(server: address.contains(":") ? "[\(address)]" : address)
            }
        }
        throw .noSystemServer
    }

    /// The TXT records of `name`, each one's character-strings joined.
    public func txt(_ name: String) async throws(DNSError) -> [String] {
        let client = self
        let result: Result<[String], DNSError> = await withCheckedContinuation { continuation in
            // The socket calls block (each bounded by the timeout), so they run off the
            // cooperative pool.
            DispatchQueue.global().async {
                do throws(DNSError) {
                    continuation.resume(returning: .success(try client.lookup(name)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    private func lookup(_ name: String) throws(DNSError) -> [String] {
        var lastError = DNSError.timeout(name: name)
        for _ in 0..<attempts {
            let id = UInt16.random(in: 0...UInt16.max)
            let query = try DNSMessage.query(id: id, name: name)
            do throws(DNSError) {
                let answer = try exchange(query, id: id, name: name, stream: false)
                if !answer.truncated { return answer.texts }
                let full = try exchange(query, id: id, name: name, stream: true)
                guard !full.truncated else { throw .malformedResponse("truncated over TCP") }
                return full.texts
            } catch {
                switch error {
                case .timeout, .network: lastError = error
                default: throw error
                }
            }
        }
        throw lastError
    }

    /// One query and its answer over UDP (`stream` false) or TCP (true, RFC 1035 §4.2.2's
    /// two-byte length prefix).
    private func exchange(_ query: [UInt8], id: UInt16, name: String, stream: Bool) throws(DNSError) -> DNSMessage.Answer {
        var hints = addrinfo()
        hints.ai_socktype = Int32(stream ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let info = list else {
            throw .invalidServer("\(host):\(port)")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { throw .network("socket: errno \(errno)") }
        defer { close(fd) }
        let milliseconds = Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        var limit = timeval(tv_sec: milliseconds / 1000, tv_usec: Int(milliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            throw errno == EINPROGRESS || errno == EAGAIN ? .timeout(name: name) : .network("connect: errno \(errno)")
        }
        let deadline = ContinuousClock.now + timeout
        if stream {
            let framed = [UInt8(query.count >> 8), UInt8(query.count & 0xFF)] + query
            try sendAll(fd, framed, name: name)
            let header = try receiveExactly(fd, 2, name: name, deadline: deadline)
            let length = Int(header[0]) << 8 | Int(header[1])
            return try DNSMessage.parse(try receiveExactly(fd, length, name: name, deadline: deadline), id: id, name: name)
        }
        try sendAll(fd, query, name: name)
        var buffer = [UInt8](repeating: 0, count: 65535)
        while true {
            guard try wait(fd, name: name, deadline: deadline) else { throw .timeout(name: name) }
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count >= 0 else {
                if errno == EAGAIN || errno == EINTR { continue }
                throw .network("recv: errno \(errno)")
            }
            // A datagram that is not the answer to this query (a late answer to an earlier
            // attempt, or a forgery) is skipped; the deadline still holds.
            do throws(DNSError) {
                return try DNSMessage.parse(Array(buffer[0..<count]), id: id, name: name)
            } catch {
                if case .malformedResponse = error { continue }
                throw error
            }
        }
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8], name: String) throws(DNSError) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else {
                if errno == EAGAIN { throw .timeout(name: name) }
                throw .network("send: errno \(errno)")
            }
            sent += count
        }
    }

    private func receiveExactly(_ fd: Int32, _ length: Int, name: String, deadline: ContinuousClock.Instant) throws(DNSError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: length)
        var received = 0
        while received < length {
            guard try wait(fd, name: name, deadline: deadline) else { throw .timeout(name: name) }
            let count = bytes[received...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else {
                if count < 0, errno == EAGAIN || errno == EINTR { continue }
                throw count == 0 ? .malformedResponse("the TCP connection closed early") : .network("recv: errno \(errno)")
            }
            received += count
        }
        return bytes
    }

    /// Waits until `fd` is readable; false when the deadline passed first.
    private func wait(_ fd: Int32, name: String, deadline: ContinuousClock.Instant) throws(DNSError) -> Bool {
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return false }
            let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, milliseconds)
            if ready > 0 { return true }
            if ready < 0, errno != EINTR { throw .network("poll: errno \(errno)") }
        }
    }
}
