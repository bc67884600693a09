import Foundation
import HTTPTypes
import Hummingbird
import MailvaultCore
import NIOCore
import Synchronization

/// A small HTTP proxy in front of a real provider, for the client's tests: it forwards the
/// requests a client makes and can delay every answer (a slow provider) or change what it
/// forwards (a lying one). Only 127.0.0.1.
final class ProviderProxy: Sendable {
    enum Lie: Sendable {
        /// Answers as the provider does.
        case none
        /// Serves every envelope of `POST /v1/sync/envelopes` with another nonce: valid RLP,
        /// another hash than the one listed.
        case envelopeHashes
        /// Drops the first key of every hashes page but keeps the signed receipt.
        case receiptKeys
        /// Answers the first hashes request with 503 and `Retry-After` of that many seconds.
        case busyOnce(retryAfter: Int)
        /// Holds every hashes request for a minute before answering.
        case stallsLists
    }

    let port: Int
    private let task: Task<Void, any Error>

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() { task.cancel() }

    static func start(backend: Int, delay: Duration = .zero, lie: Lie = .none) async throws -> ProviderProxy {
        let upstream = HTTPTestClient(port: backend)
        let busy = Atomic<Bool>(false)
        let router = Router()
        @Sendable func forward(_ request: Request, method: String) async throws -> Response {
            if delay > .zero { try await Task.sleep(for: delay) }
            if case .stallsLists = lie, request.uri.path == "/v1/hashes" { try await Task.sleep(for: .seconds(60)) }
            if case .busyOnce(let seconds) = lie, request.uri.path == "/v1/hashes",
               !busy.exchange(true, ordering: .relaxed) {
                return Response(status: .serviceUnavailable, headers: [.retryAfter: "\(seconds)", .contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(bytes: Array(#"{"error":{"code":"busy","message":"busy"}}"#.utf8))))
            }
            let body = method == "POST" ? Array(try await request.body.collect(upTo: 1 << 22).readableBytesView) : []
            var headers: [String: String] = [:]
            for field in request.headers where ["accept", "content-type"].contains(field.name.canonicalName) {
                headers[field.name.rawName] = field.value
            }
            var path = request.uri.path
            if let query = request.uri.query, !query.isEmpty { path += "?" + query }
            let reply = try await upstream.request(method, path, headers: headers, body: body)
            var bytes = reply.body
            if reply.status == 200 {
                switch lie {
                case .envelopeHashes where request.uri.path == "/v1/sync/envelopes":
                    let envelopes = try Envelope.decodePacket(bytes)
                    bytes = Envelope.encodePacket(envelopes.map { $0.withNonce($0.nonce &+ 1) })
                case .receiptKeys where request.uri.path == "/v1/hashes":
                    if var object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
                       var hashes = object["hashes"] as? [Any], !hashes.isEmpty {
                        hashes.removeFirst()
                        object["hashes"] = hashes
                        bytes = Array(try JSONSerialization.data(withJSONObject: object))
                    }
                default:
                    break
                }
            }
            var fields = HTTPFields()
            for (name, value) in reply.headers {
                let lower = name.lowercased()
                guard ["content-type", "mailvault-next", "mailvault-cursor", "mailvault-receipt", "retry-after"].contains(lower),
                      let field = HTTPField.Name(lower) else { continue }
                fields[field] = value
            }
            return Response(status: .init(code: reply.status), headers: fields,
                            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        for path in ["/v1/provider", "/health", "/v1/hashes", "/v1/envelopes", "/v1/providers"] {
            router.get(RouterPath(path)) { request, _ in try await forward(request, method: "GET") }
        }
        router.post("/v1/sync/envelopes") { request, _ in try await forward(request, method: "POST") }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                      onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) })
        let task = Task { try await application.runService() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw TestFailure("the proxy did not start") }
        return ProviderProxy(port: port, task: task)
    }
}
