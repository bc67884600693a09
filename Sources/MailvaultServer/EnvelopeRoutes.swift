import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MailvaultAccountability
import MailvaultAPI
import MailvaultCore
import MailvaultNode
import MailvaultStore
import NIOCore

/// The API's handlers: each decodes (MailvaultAPI), calls the node, and encodes. Rate limits and
/// the concurrency gate run before them, as middleware on their route groups.
struct EnvelopeRoutes: Sendable {
    let server: MailvaultServer
    private var node: Node { server.node }

    /// The header that carries the next cursor of an RLP history page.
    static let cursorHeader = HTTPField.Name("Mailvault-Cursor")!
    /// The header that carries the signed receipt of an RLP history page (base64 of its JSON).
    static let receiptHeader = HTTPField.Name("Mailvault-Receipt")!

    /// Registers the client API: ingest under its own rate limit, reads under the read limit
    /// (`reads`), history and lookups also under the concurrency gate (`gated`).
    func register(on router: Router<ServerContext>, reads: RouterGroup<ServerContext>, gated: RouterGroup<ServerContext>) {
        router.group()
            .add(middleware: RateLimitMiddleware(limiter: server.ingestLimiter, refused: server.metrics.rateLimitedIngest,
                                                 trustForwardedFor: server.configuration.trustForwardedFor))
            .post("/v1/envelopes") { request, context in try await ingest(request, context) }
        reads.get("/v1/subscribe") { request, context in try subscribe(request, context) }
        reads.get("/v1/provider") { request, _ in try descriptor(request) }
        gated
            .get("/v1/envelopes") { request, _ in try await query(request) }
            .get("/v1/envelopes/:hash") { request, context in try envelope(request, context) }
            .get("/v1/hashes") { request, _ in try await hashes(request) }
            .post("/v1/presence") { request, _ in try await presence(request) }
            .get("/v1/stats") { request, _ in try stats(request) }
            .get("/v1/checkpoints") { request, _ in try checkpoints(request) }
        router.get("/health") { _, _ in try health() }
        router.get("/metrics") { _, _ in metrics() }
    }

    // MARK: Ingest

    func ingest(_ request: Request, _ context: ServerContext) async throws(APIError) -> Response {
        let body = try await collect(request)
        let envelopes = try IngestBody.decode(body, contentType: request.headers[.contentType])
        guard envelopes.count <= server.configuration.maximumBatch else {
            throw APIError(status: 413, code: "tooManyEnvelopes",
                           message: "at most \(server.configuration.maximumBatch) envelopes per request, got \(envelopes.count)")
        }
        let outcomes = try await stored("ingest") { () throws(StoreError) in try await node.ingest.ingest(envelopes, now: node.clock()) }
        return json(APIResponseBody.ingest(outcomes))
    }

    // MARK: Reads

    func query(_ request: Request) async throws(APIError) -> Response {
        let query = try QueryParameters.history(try QueryString(request.uri.query ?? ""), now: node.clock())
        let signed = try await stored("read") { () throws(StoreError) in try await node.history.envelopes(query, now: node.clock()) }
        server.metrics.query(filter: LiveFilter.kind(topics: query.topics, bloom: query.bloom))
        guard wantsRLP(request) else { return json(APIResponseBody.envelopes(signed.page, receipt: signed.receipt.json)) }
        var headers: HTTPFields = [.contentType: IngestBody.rlpMediaType]
        headers[EnvelopeRoutes.cursorHeader] = signed.page.next?.description ?? ""
        headers[EnvelopeRoutes.receiptHeader] = Data(signed.receipt.json).base64EncodedString()
        // The packet straight into the response's buffer: header, then each stored encoding.
        let entries = signed.page.entries
        let payloadLength = entries.reduce(0) { $0 + ($1.envelope?.encoded.count ?? 0) }
        let header = RLPWriter.listHeader(payloadLength: payloadLength)
        var body = ByteBufferAllocator().buffer(capacity: header.count + payloadLength)
        body.writeBytes(header)
        for entry in entries { if let envelope = entry.envelope { body.writeBytes(envelope.encoded) } }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    func hashes(_ request: Request) async throws(APIError) -> Response {
        let query = try QueryParameters.history(try QueryString(request.uri.query ?? ""), now: node.clock())
        let signed = try await stored("read") { () throws(StoreError) in try await node.history.hashes(query, now: node.clock()) }
        server.metrics.query(filter: LiveFilter.kind(topics: query.topics, bloom: query.bloom))
        return json(APIResponseBody.hashes(signed.page, receipt: signed.receipt.json))
    }

    func envelope(_ request: Request, _ context: ServerContext) throws(APIError) -> Response {
        try QueryString(request.uri.query ?? "").requireOnly([])
        let text = context.parameters.get("hash") ?? ""
        let bytes: [UInt8]
        do {
            bytes = try Hex.decode(text)
        } catch {
            throw .invalidParameter("hash", "hash is not valid hex: \(error)")
        }
        guard let hash = Hash256(bytes: bytes) else {
            throw .invalidParameter("hash", "a hash is 32 bytes, got \(bytes.count)")
        }
        guard let envelope = try read({ () throws(StoreError) in try node.archive.envelope(hash: hash) }) else {
            throw .notFound("no envelope with hash \(hash) is stored here")
        }
        if wantsRLP(request) {
            return Response(status: .ok, headers: [.contentType: IngestBody.rlpMediaType],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: envelope.encoded)))
        }
        return json(APIResponseBody.envelope(envelope, hash: hash))
    }

    func presence(_ request: Request) async throws(APIError) -> Response {
        guard ContentNegotiation.essence(of: request.headers[.contentType]) == IngestBody.jsonMediaType else {
            throw .unsupportedMediaType(request.headers[.contentType], accepted: [IngestBody.jsonMediaType])
        }
        let hashes = try PresenceBody.decode(try await collect(request))
        let present = try read { () throws(StoreError) in try node.archive.presence(of: hashes) }
        return json(APIResponseBody.presence(present))
    }

    func stats(_ request: Request) throws(APIError) -> Response {
        try QueryString(request.uri.query ?? "").requireOnly([])
        return json(APIResponseBody.stats(try read { () throws(StoreError) in try node.archive.stats() }))
    }

    func descriptor(_ request: Request) throws(APIError) -> Response {
        try QueryString(request.uri.query ?? "").requireOnly([])
        return json(node.provider.descriptor(now: node.clock()).document.json)
    }

    func checkpoints(_ request: Request) throws(APIError) -> Response {
        let fields = try QueryString(request.uri.query ?? "")
        try fields.requireOnly(["from", "to"])
        let range = try QueryParameters.timeRange(fields, now: node.clock())
        let documents = node.provider.checkpoints(from: range.from, to: range.to, limit: HistoryQuery.maximumLimit)
        var body = Array("{\"checkpoints\":[".utf8)
        for (index, document) in documents.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body += document.json
        }
        body += Array("]}".utf8)
        return json(body)
    }

    func health() throws(APIError) -> Response {
        do {
            _ = try node.archive.presence(of: [])
        } catch {
            throw APIError.unavailable("storeUnavailable", "the store cannot be read: \(error)")
        }
        return json(Array("{\"status\":\"ok\"}".utf8))
    }

    func metrics() -> Response {
        if let stats = try? node.archive.stats() {
            server.metrics.storeFileBytes.record(Double(stats.fileBytes))
            server.metrics.storeUsedBytes.record(Double(stats.usedBytes))
            server.metrics.storeEnvelopes.record(Double(stats.envelopes))
            server.metrics.storeRawBytes.record(Double(stats.rawBytes))
        }
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: server.metrics.exposition()
                                                                  + server.federation.exposition())))
    }

    // MARK: Live push

    func subscribe(_ request: Request, _ context: ServerContext) throws(APIError) -> Response {
        let filter = try QueryParameters.subscription(try QueryString(request.uri.query ?? ""))
        let client = ClientAddress.of(request, context, trustForwardedFor: server.configuration.trustForwardedFor)
        guard let events = server.hub.subscribe(filter, client: client, until: context.connectionClosed) else {
            throw .unavailable("subscriptionsFull", "the server takes no more live subscriptions now", retryAfter: 5)
        }
        return SubscriptionHub.response(events)
    }

    // MARK: Helpers

    /// A read of the archive, its failure mapped to an API error.
    private func read<T>(_ body: () throws(StoreError) -> T) throws(APIError) -> T {
        do throws(StoreError) {
            return try body()
        } catch {
            throw storeFailure(error, doing: "read")
        }
    }

    /// A node call that reaches the archive, its failure mapped to an API error.
    private func stored<T>(_ operation: String, _ body: () async throws(StoreError) -> T) async throws(APIError) -> T {
        do throws(StoreError) {
            return try await body()
        } catch {
            throw storeFailure(error, doing: operation)
        }
    }

    private func collect(_ request: Request) async throws(APIError) -> [UInt8] {
        try await RequestBody.collect(request, limit: server.configuration.maximumBodyBytes)
    }

    private func wantsRLP(_ request: Request) -> Bool {
        ContentNegotiation.accepts(request.headers[.accept], IngestBody.rlpMediaType)
    }

    private func json(_ bytes: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: IngestBody.jsonMediaType],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private func storeFailure(_ error: StoreError, doing operation: String) -> APIError {
        switch error {
        case .diskFull:
            server.logger.critical("disk full", metadata: ["operation": "\(operation)"])
            return APIError(status: 507, code: "diskFull", message: "the server's disk is full; nothing was stored")
        case .closed:
            return .unavailable("shuttingDown", "the server is shutting down")
        default:
            server.logger.error("store failure", metadata: ["operation": "\(operation)", "error": "\(error)"])
            return APIError(status: 500, code: "storeFailure", message: "the store failed: \(error)")
        }
    }
}
