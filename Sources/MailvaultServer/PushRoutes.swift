import Foundation
import HTTPTypes
import Hummingbird
import MailvaultAccountability
import MailvaultAPI
import MailvaultCore
import MailvaultNode
import MailvaultPush
import MailvaultPushService
import NIOCore

/// Push (Docs/Push.md): `GET /v1/push` for what the node offers, `POST /v1/push/registrations` with a signed
/// `push-registration` document, `GET /v1/push/registrations/{id}` for its state (never its token,
/// endpoint keys or secret), `DELETE /v1/push/registrations/{id}` with a signed `push-deletion`.
/// Registration calls share the ingest rate limit: each one costs a signature check and an fsync.
struct PushRoutes: Sendable {
    let server: MailvaultServer

    func register(on router: Router<ServerContext>) {
        router.group()
            .add(middleware: RateLimitMiddleware(limiter: server.ingestLimiter, refused: server.metrics.rateLimitedIngest,
                                                 trustForwardedFor: server.configuration.trustForwardedFor))
            .get("/v1/push") { request, context in try offer(request, context) }
            .post("/v1/push/registrations") { request, context in try await create(request, context) }
            .get("/v1/push/registrations/:id") { request, context in try show(request, context) }
            .delete("/v1/push/registrations/:id") { request, context in try await delete(request, context) }
    }

    private func registry() throws(APIError) -> PushRegistry {
        guard let push = server.push?.registry else {
            throw APIError(status: 404, code: "pushDisabled", message: "this node takes no push registrations")
        }
        return push
    }

    /// What this node offers push clients: exactly the `push` member of its signed descriptor
    /// (`PushOffer`: targets, the VAPID public key, price, caps, lifetime, batching, retries).
    func offer(_ request: Request, _ context: ServerContext) throws(APIError) -> Response {
        guard server.push != nil, let offer = server.node.configuration.pushOffer else {
            throw APIError(status: 404, code: "pushDisabled", message: "this node takes no push registrations")
        }
        try QueryString(request.uri.query ?? "").requireOnly([])
        return Response(status: .ok, headers: [.contentType: IngestBody.jsonMediaType],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: SignedDocument.encode(offer))))
    }

    func create(_ request: Request, _ context: ServerContext) async throws(APIError) -> Response {
        let push = try registry()
        try QueryString(request.uri.query ?? "").requireOnly([])
        let signed = try await signedBody(request, limit: push.configuration.maximumBodyBytes)
        let client = ClientAddress.of(request, context, trustForwardedFor: server.configuration.trustForwardedFor)
        let result: (PushRegistration, created: Bool)
        do {
            result = try push.register(signed, client: client, now: server.node.clock())
        } catch {
            throw error.apiError
        }
        let (registration, created) = result
        server.metrics.pushRegistrations(push.count)
        var answer = summary(registration)
        // The webhook secret is shown once, in the answer that made it.
        if created, let secret = registration.secret { answer["secret"] = secret }
        return json(answer, status: created ? .created : .ok)
    }

    func show(_ request: Request, _ context: ServerContext) throws(APIError) -> Response {
        let push = try registry()
        try QueryString(request.uri.query ?? "").requireOnly([])
        let id = try idParameter(context)
        guard let registration = push.registration(id: id, now: server.node.clock()) else {
            throw .notFound("no push registration \(id)")
        }
        return json(summary(registration), status: .ok)
    }

    func delete(_ request: Request, _ context: ServerContext) async throws(APIError) -> Response {
        let push = try registry()
        try QueryString(request.uri.query ?? "").requireOnly([])
        let id = try idParameter(context)
        let signed = try await signedBody(request, limit: push.configuration.maximumBodyBytes)
        do {
            try push.delete(id: id, signed, now: server.node.clock())
        } catch {
            throw error.apiError
        }
        server.metrics.pushRegistrations(push.count)
        return json(["id": id, "deleted": true], status: .ok)
    }

    private func idParameter(_ context: ServerContext) throws(APIError) -> String {
        let id = context.parameters.get("id") ?? ""
        guard PushRegistration.isValidID(id) else {
            throw .invalidParameter("id", "a registration id is 32 lowercase hex digits")
        }
        return id
    }

    private func signedBody(_ request: Request, limit: Int) async throws(APIError) -> SignedDocument {
        guard ContentNegotiation.essence(of: request.headers[.contentType]) == IngestBody.jsonMediaType else {
            throw .unsupportedMediaType(request.headers[.contentType], accepted: [IngestBody.jsonMediaType])
        }
        let bytes = try await RequestBody.collect(request, limit: limit)
        do {
            return try SignedDocument(json: bytes)
        } catch {
            if case .malformedDocument(let reason) = error {
                throw APIError(status: 401, code: "badSignature", message: "the body is not a signed document: \(reason)")
            }
            throw APIError(status: 401, code: "badSignature", message: "\(error)")
        }
    }

    private func summary(_ registration: PushRegistration) -> [String: Any] {
        var answer: [String: Any] = [
            "id": registration.id,
            "name": registration.body.name,
            "signer": registration.owner.description,
            "version": registration.body.version,
            "expires": registration.body.expires,
            "target": registration.body.target.kind,
        ]
        switch registration.body.watch {
        case .topics(let topics): answer["topics"] = topics.map(\.description)
        case .bloom(let bloom): answer["bloom"] = Hex.encode(bloom.bytes, prefix: true)
        }
        return answer
    }

    private func json(_ object: [String: Any], status: HTTPResponse.Status) -> Response {
        let bytes = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            .map { Array($0) } ?? Array("{}".utf8)
        return Response(status: status, headers: [.contentType: IngestBody.jsonMediaType],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
