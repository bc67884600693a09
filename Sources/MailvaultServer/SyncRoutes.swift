import Foundation
import HTTPTypes
import Hummingbird
import MailvaultAPI
import MailvaultCore
import MailvaultFederation
import MailvaultNode
import MailvaultStore
import MailvaultSync
import NIOCore

/// The sync protocol's endpoints (Docs/Sync.md): what peers call (Negentropy messages, envelope
/// batches, the announcement stream) and what operators call (`/v1/peers`, `/v1/sync/rounds`).
struct SyncRoutes: Sendable {
    let server: MailvaultServer
    private var federation: Federation { server.federation }

    /// Registers the sync API: peers' calls under the read limit (`reads`), the two that read
    /// the archive also under the concurrency gate (`gated`); rounds unlimited but local only.
    func register(on router: Router<ServerContext>, reads: RouterGroup<ServerContext>, gated: RouterGroup<ServerContext>) {
        reads.get("/v1/sync/live") { request, context in try live(request, context) }
        reads.get("/v1/peers") { request, _ in try peers(request) }
        reads.get("/v1/providers") { request, _ in try providers(request) }
        gated
            .post("/v1/sync/negentropy") { request, _ in try await negentropy(request) }
            .post("/v1/sync/envelopes") { request, _ in try await envelopes(request) }
        router.post("/v1/sync/rounds") { request, context in try await rounds(request, context) }
    }

    /// One Negentropy message in, the answer out.
    func negentropy(_ request: Request) async throws(APIError) -> Response {
        try QueryString(request.uri.query ?? "").requireOnly([])
        let message = try await binaryBody(request, limit: federation.configuration.limits.maximumMessageBytes)
        do throws(SyncError) {
            return binary(try federation.respond(to: message))
        } catch {
            if case .index(let reason) = error {
                throw APIError(status: 500, code: "storeFailure", message: "the store failed: \(reason)")
            }
            throw APIError(status: 400, code: "invalidSyncMessage", message: "the Negentropy message is refused: \(error)")
        }
    }

    /// Hashes in (32 bytes each), the envelopes held among them out, as an RLP list.
    func envelopes(_ request: Request) async throws(APIError) -> Response {
        try QueryString(request.uri.query ?? "").requireOnly([])
        let limit = federation.configuration.limits.maximumFetch
        // One hash past the limit is read, so that a list too long is told as such (413).
        let hashes = try SyncBody.hashes(try await binaryBody(request, limit: (limit + 1) * 32), limit: limit)
        let batch: (envelopes: [Envelope], bytes: Int, next: Int?)
        do throws(StoreError) {
            batch = try federation.batch(hashes)
        } catch {
            throw APIError(status: 500, code: "storeFailure", message: "the store failed: \(error)")
        }
        if let address = request.headers[peerHeader], let peer = federation.peer(address: address) {
            peer.counters.served(envelopes: batch.envelopes.count, bytes: batch.bytes)
        }
        var headers: HTTPFields = [.contentType: IngestBody.rlpMediaType]
        if let next = batch.next { headers[nextHeader] = String(next) }
        let header = RLPWriter.listHeader(payloadLength: batch.bytes)
        var buffer = ByteBufferAllocator().buffer(capacity: header.count + batch.bytes)
        buffer.writeBytes(header)
        for envelope in batch.envelopes { buffer.writeBytes(envelope.encoded) }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    /// The keys of every stored batch, as Server-Sent Events, until the peer goes away.
    func live(_ request: Request, _ context: ServerContext) throws(APIError) -> Response {
        try QueryString(request.uri.query ?? "").requireOnly([])
        let client = ClientAddress.of(request, context, trustForwardedFor: server.configuration.trustForwardedFor)
        guard let events = server.hub.subscribe(LiveFilter(), format: .keys, client: client, until: context.connectionClosed) else {
            throw .unavailable("subscriptionsFull", "the server takes no more live subscriptions now", retryAfter: 5)
        }
        return SubscriptionHub.response(events)
    }

    /// Every peer's link and the healed gaps.
    func peers(_ request: Request) throws(APIError) -> Response {
        try QueryString(request.uri.query ?? "").requireOnly([])
        return json(PeersBody(peers: federation.status(), healedGaps: federation.healedGaps))
    }

    /// The directory: this node's descriptor, its peers' and those they list (Docs/Discovery.md).
    func providers(_ request: Request) throws(APIError) -> Response {
        try QueryString(request.uri.query ?? "").requireOnly([])
        let now = server.node.clock()
        let own = server.node.provider.descriptor(now: now).document
        let documents = federation.directory.listing(own: own, now: now).map(\.json)
        return Response(status: .ok, headers: [.contentType: IngestBody.jsonMediaType],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: APIResponseBody.directory(documents))))
    }

    /// Runs a reconciliation round now with every peer (or `?peer=URL`), from loopback only, and
    /// answers with the reports.
    func rounds(_ request: Request, _ context: ServerContext) async throws(APIError) -> Response {
        guard let address = context.remoteAddress?.ipAddress, address == "127.0.0.1" || address == "::1" else {
            throw APIError(status: 403, code: "forbidden", message: "sync rounds are started from the node's own host only")
        }
        let fields = try QueryString(request.uri.query ?? "")
        try fields.requireOnly(["peer"])
        var chosen = federation.peers
        if let url = fields["peer"] {
            guard let peer = federation.peer(url: url) else {
                throw .invalidParameter("peer", "\(url) is not a configured peer")
            }
            chosen = [peer]
        }
        var reports: [RoundReport] = []
        for peer in chosen {
            do {
                reports.append(try await federation.reconcile(with: peer))
            } catch {
                var failed = RoundReport(url: peer.spec.url, at: server.node.clock())
                failed.error = error.description
                reports.append(failed)
            }
        }
        return json(RoundsBody(rounds: reports))
    }

    struct PeersBody: Encodable {
        var peers: [PeerStatus]
        var healedGaps: [ProviderState.HealedGap]
    }

    struct RoundsBody: Encodable {
        var rounds: [RoundReport]
    }

    private let peerHeader = HTTPField.Name(PeerClient.peerHeader)!
    private let nextHeader = HTTPField.Name(PeerClient.nextHeader)!

    private func binaryBody(_ request: Request, limit: Int) async throws(APIError) -> [UInt8] {
        guard ContentNegotiation.essence(of: request.headers[.contentType]) == PeerClient.binaryMediaType else {
            throw .unsupportedMediaType(request.headers[.contentType], accepted: [PeerClient.binaryMediaType])
        }
        return try await RequestBody.collect(request, limit: limit)
    }

    private func binary(_ bytes: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: PeerClient.binaryMediaType],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private func json(_ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = (try? encoder.encode(value)).map { Array($0) } ?? Array("{}".utf8)
        return Response(status: .ok, headers: [.contentType: IngestBody.jsonMediaType],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
