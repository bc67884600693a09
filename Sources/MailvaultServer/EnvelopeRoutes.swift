import CoreMetrics
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MailvaultAccountability
import MailvaultAPI
import MailvaultCore
import MailvaultStore
import NIOCore
import ServiceLifecycle

/// The API's handlers: each parses (MailvaultAPI), checks limits, calls the store, and encodes.
struct EnvelopeRoutes: Sendable {
    let server: MailvaultServer

    /// The header that carries the next cursor of an RLP history page.
    static let cursorHeader = HTTPField.Name("Mailvault-Cursor")!
    /// The header that carries the signed receipt of an RLP history page (base64 of its JSON).
    static let receiptHeader = HTTPField.Name("Mailvault-Receipt")!

    func register(on router: Router<ServerContext>) {
        router.post("/v1/envelopes") { request, context in try await ingest(request, context) }
        router.get("/v1/envelopes") { request, context in try await query(request, context) }
        router.get("/v1/envelopes/:hash") { request, context in try envelope(request, context) }
        router.get("/v1/hashes") { request, context in try await hashes(request, context) }
        router.post("/v1/presence") { request, context in try await presence(request, context) }
        router.get("/v1/subscribe") { request, context in try subscribe(request, context) }
        router.get("/v1/stats") { request, context in try stats(request, context) }
        router.get("/v1/provider") { request, context in try descriptor(request, context) }
        router.get("/v1/checkpoints") { request, context in try checkpoints(request, context) }
        router.get("/health") { _, _ in try health() }
        router.get("/metrics") { _, _ in metrics() }
    }

    // MARK: Ingest

    func ingest(_ request: Request, _ context: ServerContext) async throws(APIError) -> Response {
        try limit(server.ingestLimiter, context, request, counter: server.metrics.rateLimitedIngest)
        let body = try await collect(request)
        let envelopes = try IngestBody.decode(body, contentType: request.headers[.contentType])
        guard envelopes.count <= server.configuration.maximumBatch else {
            throw APIError(status: 413, code: "tooManyEnvelopes",
                           message: "at most \(server.configuration.maximumBatch) envelopes per request, got \(envelopes.count)")
        }
        let metrics = server.metrics
        metrics.envelopes.increment(by: envelopes.count)
        let now = server.clock()
        let checks = Envelope.checkWork(batch: envelopes)
        var outcomes: [IngestOutcome?] = Array(repeating: nil, count: envelopes.count)
        var accepted: [Envelope] = []
        var acceptedWork: [PoWCheck] = []
        var acceptedIndex: [Int] = []
        var acceptedPoW: [Double] = []
        for index in envelopes.indices {
            switch server.policy.check(envelopes[index], now: now, mode: .live, work: checks[index]) {
            case .success(let pow):
                accepted.append(envelopes[index])
                acceptedWork.append(checks[index])
                acceptedIndex.append(index)
                acceptedPoW.append(pow)
            case .failure(let reason):
                metrics.rejected(reason)
                outcomes[index] = IngestOutcome(hash: checks[index].hash, status: .rejected, reason: reason)
            }
        }
        if !accepted.isEmpty {
            let results: [IngestResult]
            do {
                results = try await server.store.ingest(accepted, work: acceptedWork)
            } catch {
                metrics.archiveFailures.increment(by: accepted.count)
                throw storeFailure(error, doing: "ingest")
            }
            var stored: [Envelope] = []
            var storedHashes: [Hash256] = []
            for (position, result) in results.enumerated() {
                let index = acceptedIndex[position]
                switch result {
                case .stored(let hash):
                    outcomes[index] = IngestOutcome(hash: hash, status: .stored)
                    stored.append(accepted[position])
                    storedHashes.append(hash)
                    metrics.archivedSize.record(accepted[position].encoded.count)
                    metrics.pow.record(acceptedPoW[position])
                case .duplicate(let hash):
                    outcomes[index] = IngestOutcome(hash: hash, status: .duplicate)
                    metrics.duplicates.increment()
                }
            }
            metrics.archived.increment(by: stored.count)
            if !stored.isEmpty { server.provider.ingested(at: now) }
            server.hub.publish(stored, hashes: storedHashes)
        }
        return json(APIResponseBody.ingest(outcomes.map { $0! }))
    }

    // MARK: Reads

    func query(_ request: Request, _ context: ServerContext) async throws(APIError) -> Response {
        try limit(server.queryLimiter, context, request, counter: server.metrics.rateLimitedQuery)
        let now = server.clock()
        var query = try QueryParameters.history(try QueryString(request.uri.query ?? ""), now: now)
        query.maximumBytes = server.configuration.maximumPageBytes
        var page = try read(request, context) { () throws(StoreError) in try server.store.query(query) }
        server.metrics.query(filter: LiveFilter.kind(topics: query.topics, bloom: query.bloom))
        if let dropped = server.configuration.faultDropTopic {
            let kept = page.envelopes.indices.filter { page.envelopes[$0].topic != dropped }
            page = QueryPage(envelopes: kept.map { page.envelopes[$0] }, hashes: kept.map { page.hashes[$0] }, next: page.next)
        }
        let keys = zip(page.envelopes, page.hashes).map { EnvelopeKey(sent: $0.sentTime, hash: $1) }
        let receipt = await server.receipts.sign(kind: "receipt", document: server.provider.receipt(
            endpoint: "envelopes", query: query, keys: keys, next: page.next, now: now))
        if wantsRLP(request) {
            var headers: HTTPFields = [.contentType: IngestBody.rlpMediaType]
            headers[EnvelopeRoutes.cursorHeader] = page.next?.description ?? ""
            headers[EnvelopeRoutes.receiptHeader] = Data(receipt.json).base64EncodedString()
            // The packet straight into the response's buffer: header, then each stored encoding.
            let payloadLength = page.envelopes.reduce(0) { $0 + $1.encoded.count }
            let header = RLPWriter.listHeader(payloadLength: payloadLength)
            var body = ByteBufferAllocator().buffer(capacity: header.count + payloadLength)
            body.writeBytes(header)
            for envelope in page.envelopes { body.writeBytes(envelope.encoded) }
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
        }
        return json(APIResponseBody.envelopes(page, receipt: receipt.json))
    }

    func hashes(_ request: Request, _ context: ServerContext) async throws(APIError) -> Response {
        try limit(server.queryLimiter, context, request, counter: server.metrics.rateLimitedQuery)
        let now = server.clock()
        let query = try QueryParameters.history(try QueryString(request.uri.query ?? ""), now: now)
        var page = try read(request, context) { () throws(StoreError) in try server.store.hashes(query) }
        server.metrics.query(filter: LiveFilter.kind(topics: query.topics, bloom: query.bloom))
        if let dropped = server.configuration.faultDropTopic {
            page = HashPage(entries: page.entries.filter { $0.topic != dropped }, next: page.next)
        }
        let keys = page.entries.map(\.key)
        let receipt = await server.receipts.sign(kind: "receipt", document: server.provider.receipt(
            endpoint: "hashes", query: query, keys: keys, next: page.next, now: now))
        return json(APIResponseBody.hashes(page, receipt: receipt.json))
    }

    func envelope(_ request: Request, _ context: ServerContext) throws(APIError) -> Response {
        try limit(server.queryLimiter, context, request, counter: server.metrics.rateLimitedQuery)
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
        guard let envelope = try read(request, context, { () throws(StoreError) in try server.store.envelope(hash: hash) }) else {
            throw .notFound("no envelope with hash \(hash) is stored here")
        }
        if wantsRLP(request) {
            return Response(status: .ok, headers: [.contentType: IngestBody.rlpMediaType],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: envelope.encoded)))
        }
        return json(APIResponseBody.envelope(envelope, hash: hash))
    }

    func presence(_ request: Request, _ context: ServerContext) async throws(APIError) -> Response {
        try limit(server.queryLimiter, context, request, counter: server.metrics.rateLimitedQuery)
        guard ContentNegotiation.essence(of: request.headers[.contentType]) == IngestBody.jsonMediaType else {
            throw .unsupportedMediaType(request.headers[.contentType], accepted: [IngestBody.jsonMediaType])
        }
        let hashes = try PresenceBody.decode(try await collect(request))
        let present = try withGate { () throws(APIError) in
            do throws(StoreError) {
                return try server.store.presence(of: hashes)
            } catch {
                throw storeFailure(error, doing: "presence")
            }
        }
        return json(APIResponseBody.presence(present))
    }

    func stats(_ request: Request, _ context: ServerContext) throws(APIError) -> Response {
        try limit(server.queryLimiter, context, request, counter: server.metrics.rateLimitedQuery)
        try QueryString(request.uri.query ?? "").requireOnly([])
        let stats = try read(request, context) { () throws(StoreError) in try server.store.stats() }
        return json(APIResponseBody.stats(stats))
    }

    func descriptor(_ request: Request, _ context: ServerContext) throws(APIError) -> Response {
        try limit(server.queryLimiter, context, request, counter: server.metrics.rateLimitedQuery)
        try QueryString(request.uri.query ?? "").requireOnly([])
        return json(server.provider.descriptor(now: server.clock()).document.json)
    }

    func checkpoints(_ request: Request, _ context: ServerContext) throws(APIError) -> Response {
        try limit(server.queryLimiter, context, request, counter: server.metrics.rateLimitedQuery)
        let fields = try QueryString(request.uri.query ?? "")
        try fields.requireOnly(["from", "to"])
        let range = try QueryParameters.timeRange(fields, now: server.clock())
        let documents = try withGate { () throws(APIError) in
            server.provider.checkpoints(from: range.from, to: range.to, limit: HistoryQuery.maximumLimit)
        }
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
            _ = try server.store.presence(of: [])
        } catch {
            throw APIError.unavailable("storeUnavailable", "the store cannot be read: \(error)")
        }
        return json(Array("{\"status\":\"ok\"}".utf8))
    }

    func metrics() -> Response {
        if let stats = try? server.store.stats() {
            server.metrics.storeFileBytes.record(Double(stats.fileBytes))
            server.metrics.storeUsedBytes.record(Double(stats.usedBytes))
            server.metrics.storeEnvelopes.record(Double(stats.envelopes))
            server.metrics.storeRawBytes.record(Double(stats.rawBytes))
        }
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: server.metrics.exposition())))
    }

    // MARK: Live push

    func subscribe(_ request: Request, _ context: ServerContext) throws(APIError) -> Response {
        try limit(server.queryLimiter, context, request, counter: server.metrics.rateLimitedQuery)
        let filter = try QueryParameters.subscription(try QueryString(request.uri.query ?? ""))
        guard let events = server.hub.subscribe(filter, client: client(context, request), until: context.connectionClosed) else {
            throw .unavailable("subscriptionsFull", "the server takes no more live subscriptions now", retryAfter: 5)
        }
        let headers: HTTPFields = [.contentType: EventStreamCloser.mediaType, .cacheControl: "no-cache"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            for await chunk in events {
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        })
    }

    // MARK: Helpers

    /// The concurrency gate, then the store call, with store errors mapped (the caller has
    /// taken its rate-limit token before parsing).
    private func read<T>(_ request: Request, _ context: ServerContext,
                         _ body: () throws(StoreError) -> T) throws(APIError) -> T {
        try withGate { () throws(APIError) in
            do throws(StoreError) {
                return try body()
            } catch {
                throw storeFailure(error, doing: "read")
            }
        }
    }

    private func withGate<T>(_ body: () throws(APIError) -> T) throws(APIError) -> T {
        guard server.gate.enter() else {
            server.metrics.overloaded.increment()
            throw .unavailable("overloaded", "too many queries in progress; retry shortly")
        }
        defer { server.gate.leave() }
        return try body()
    }

    private func limit(_ limiter: RateLimiter, _ context: ServerContext, _ request: Request,
                       counter: CoreMetrics.Counter) throws(APIError) {
        // The address is only worked out when a limit is set (it costs a string per request).
        guard limiter.isEnabled else { return }
        if let wait = limiter.acquire(client(context, request)) {
            counter.increment()
            throw .rateLimited(retryAfter: wait)
        }
    }

    /// The client's address: the socket's peer or, when the operator said a trusted proxy sets
    /// it, the last `X-Forwarded-For` entry (the one the proxy itself appended; earlier entries
    /// come from the client and can be forged). IPv6 clients are counted per /64, since one host
    /// usually holds a whole /64.
    func client(_ context: ServerContext, _ request: Request) -> String {
        var address = context.remoteAddress?.ipAddress ?? "unknown"
        if server.configuration.trustForwardedFor, let forwarded = request.headers[HTTPField.Name("X-Forwarded-For")!],
           let last = forwarded.split(separator: ",").last {
            address = last.trimmingCharacters(in: .whitespaces)
        }
        return ClientAddress.bucket(address)
    }

    private func collect(_ request: Request) async throws(APIError) -> [UInt8] {
        let limit = server.configuration.maximumBodyBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw .bodyTooLarge(limit: limit)
        }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw .bodyTooLarge(limit: limit)
        } catch is NIOTooManyBytesError {
            // A chunked body (no Content-Length) that ran past the limit.
            throw .bodyTooLarge(limit: limit)
        } catch {
            throw APIError(status: 400, code: "bodyUnreadable", message: "the request body could not be read")
        }
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
