import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A deliberately small HTTP/1.1 client over a POSIX socket, so the tests talk to the server the
/// way any client does, through the kernel's loopback, with nothing shared with the server's
/// stack. Blocking I/O runs on its own thread, never on Swift's cooperative pool.
struct HTTPTestClient: Sendable {
    struct Reply: Sendable {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]

        var text: String { String(decoding: body, as: UTF8.self) }

        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                throw TestFailure("not a JSON object: \(text)")
            }
            return object
        }

        /// The `error` object's `code` and `parameter`.
        func error() throws -> (code: String?, parameter: String?) {
            let object = try json()["error"] as? [String: Any]
            return (object?["code"] as? String, object?["parameter"] as? String)
        }
    }

    let port: Int

    func get(_ path: String, headers: [String: String] = [:]) async throws -> Reply {
        try await request("GET", path, headers: headers)
    }

    func post(_ path: String, body: [UInt8], contentType: String?, headers: [String: String] = [:]) async throws -> Reply {
        var headers = headers
        if let contentType { headers["Content-Type"] = contentType }
        return try await request("POST", path, headers: headers, body: body)
    }

    func postJSON(_ path: String, _ json: String) async throws -> Reply {
        try await post(path, body: Array(json.utf8), contentType: "application/json")
    }

    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = []) async throws -> Reply {
        let port = port
        return try await onThread {
            let socket = try Socket(port: port)
            defer { socket.close() }
            var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            try socket.send(Array((head + "\r\n").utf8) + body)
            return try HTTPTestClient.parse(try socket.readToEnd())
        }
    }

    /// Sends `text` as the whole request (for requests the helpers above cannot express).
    func raw(_ text: String) async throws -> Reply {
        let port = port
        return try await onThread {
            let socket = try Socket(port: port)
            defer { socket.close() }
            try socket.send(Array(text.utf8))
            return try HTTPTestClient.parse(try socket.readToEnd())
        }
    }

    /// Opens a Server-Sent Events stream and returns once the server has accepted it; the
    /// returned stream yields each `data:` line's text.
    func subscribe(_ path: String) async throws -> EventStream {
        let port = port
        return try await onThread {
            let socket = try Socket(port: port)
            try socket.send(Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".utf8))
            let stream = EventStream(socket: socket)
            let status = try stream.readHead()
            guard status == 200 else { throw TestFailure("subscribe answered \(status)") }
            return stream
        }
    }

    static func parse(_ raw: [UInt8]) throws -> Reply {
        guard let split = find([13, 10, 13, 10], in: raw) else { throw TestFailure("no HTTP head in \(raw.count) bytes") }
        let lines = String(decoding: raw[..<split], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw TestFailure("bad status line \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(raw[(split + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            body = try dechunk(body)
        }
        return Reply(status: status, headers: headers, body: body)
    }

    private static func dechunk(_ data: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while let lineEnd = find([13, 10], in: Array(data[index...])) {
            let sizeText = String(decoding: data[index..<(index + lineEnd)], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";")[0], radix: 16) else { throw TestFailure("bad chunk size") }
            index += lineEnd + 2
            if size == 0 { break }
            out += data[index..<(index + size)]
            index += size + 2
        }
        return out
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}

/// An open SSE response, read line by line.
final class EventStream: @unchecked Sendable {
    private let socket: Socket
    private var buffer: [UInt8] = []

    fileprivate init(socket: Socket) {
        self.socket = socket
    }

    fileprivate func readHead() throws -> Int {
        while HTTPTestClient.find([13, 10, 13, 10], in: buffer) == nil {
            guard let chunk = try socket.readSome(), !chunk.isEmpty else { throw TestFailure("stream closed before its head") }
            buffer += chunk
        }
        let split = HTTPTestClient.find([13, 10, 13, 10], in: buffer)!
        let statusLine = String(decoding: buffer[..<split], as: UTF8.self).components(separatedBy: "\r\n")[0]
        buffer.removeFirst(split + 4)
        return Int(statusLine.split(separator: " ")[1]) ?? 0
    }

    /// The next `data:` payload, or `nil` when the stream ends or nothing arrives in time.
    func nextData(timeout: Double = 5) async throws -> String? {
        try await onThread { [self] in
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if let text = String(decoding: buffer, as: UTF8.self).components(separatedBy: "\n")
                    .first(where: { $0.hasPrefix("data: ") }) {
                    let range = String(decoding: buffer, as: UTF8.self).range(of: text)!
                    let consumed = String(decoding: buffer, as: UTF8.self)[..<range.upperBound].utf8.count
                    buffer.removeFirst(consumed)
                    return String(text.dropFirst(6))
                }
                guard let chunk = try socket.readSome(timeout: deadline.timeIntervalSinceNow) else { return nil }
                if chunk.isEmpty { return nil }
                buffer += chunk
            }
            return nil
        }
    }

    func close() {
        socket.close()
    }
}

/// A connected TCP socket to 127.0.0.1.
final class Socket: @unchecked Sendable {
    private var fd: Int32

    init(port: Int) throws {
        fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw TestFailure("connect() to port \(port) failed: errno \(errno)")
        }
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw TestFailure("send() failed: errno \(errno)") }
            offset += sent
        }
    }

    /// Bytes as they arrive; empty at end of stream, `nil` on timeout. The default is generous:
    /// the server answers from Swift's cooperative pool, which the other suites running in
    /// parallel can keep busy for a while on a 2-core machine.
    func readSome(timeout: Double = 60) throws -> [UInt8]? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, Int32(max(0, timeout) * 1000))
        if ready == 0 { return nil }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { throw TestFailure("recv() failed: errno \(errno)") }
        return Array(chunk[..<count])
    }

    func readToEnd() throws -> [UInt8] {
        var out: [UInt8] = []
        while true {
            guard let chunk = try readSome() else { throw TestFailure("timed out reading a response") }
            if chunk.isEmpty { return out }
            out += chunk
        }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs blocking work on a thread of its own and awaits its result.
func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
