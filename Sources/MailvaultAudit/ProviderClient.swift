import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MailvaultAccountability
import MailvaultAPI
import MailvaultCore

/// A client of one provider's HTTP API, for the calls an audit makes: the signed descriptor,
/// pages of hashes with their signed receipts, single envelopes, checkpoints and a health ping.
///
/// Every answer is checked before it is returned: signed documents must verify, a page's receipt
/// must commit to exactly the page's keys and restate the query that was asked, an envelope must
/// hash to the hash it was asked for. Each call also reports how long it took.
public struct ProviderClient: Sendable {
    /// The provider's base URL (`http://host:port`), as given.
    public let url: String
    private let timeout: Double

    /// One session for every client: no cookies, no cache, connections reused per host.
    private static let session = URLSession(configuration: .ephemeral)

    /// A client of the provider at `url`; `timeout` bounds each request, in seconds.
    public init(url: String, timeout: Double = 30) throws(AuditError) {
        var text = url
        while text.hasSuffix("/") { text.removeLast() }
        guard let base = URL(string: text), let scheme = base.scheme?.lowercased(), ["http", "https"].contains(scheme),
              base.host != nil, base.query == nil else {
            throw .invalidProviderURL(url)
        }
        self.url = text
        self.timeout = timeout
    }

    /// An answer with the time it took.
    public struct Timed<Value: Sendable>: Sendable {
        /// The answer.
        public var value: Value
        /// From sending the request to the last byte of the answer.
        public var elapsed: Duration
    }

    /// The provider's signed descriptor, verified: signed by the key it publishes.
    public func descriptor() async throws(AuditError) -> Timed<ProviderIdentity> {
        let response = try await get("/v1/provider")
        try response.expect(200)
        let signed = try signedDocument(response.body, path: "/v1/provider")
        let identity: ProviderIdentity
        do {
            identity = try ProviderIdentity(signed: signed)
        } catch {
            throw .badSignedDocument(url: url + "/v1/provider", reason: "\(error)")
        }
        return Timed(value: identity, elapsed: response.elapsed)
    }

    /// One page of `GET /v1/hashes` for `query`, with its receipt verified against the page.
    public func hashes(_ query: HistoryQuery) async throws(AuditError) -> Timed<HashesPage> {
        let response = try await get("/v1/hashes", query: QueryParameters.encode(query))
        try response.expect(200)
        let where_ = url + "/v1/hashes"
        let answer: (page: HistoryPage, receipt: SignedDocumentBody?)
        do {
            answer = try AnswerBody.hashes(response.body)
        } catch {
            throw .malformedAnswer(url: where_, reason: error.message)
        }
        guard let receiptBody = answer.receipt else {
            throw .malformedAnswer(url: where_, reason: "the page carries no receipt")
        }
        let page: HashesPage
        do {
            page = try HashesPage(query: query, entries: answer.page.entries, next: answer.page.next,
                                  receipt: try SignedDocument(body: receiptBody))
        } catch {
            throw .badSignedDocument(url: where_, reason: "\(error)")
        }
        return Timed(value: page, elapsed: response.elapsed)
    }

    /// The envelope with `hash` (`GET /v1/envelopes/{hash}` as RLP), checked to hash to `hash`;
    /// `nil` when the provider does not have it.
    public func envelope(hash: Hash256) async throws(AuditError) -> Timed<Envelope?> {
        let path = "/v1/envelopes/\(hash)"
        let response = try await get(path, accept: "application/x-rlp")
        if response.status == 404 { return Timed(value: nil, elapsed: response.elapsed) }
        try response.expect(200)
        let envelope: Envelope
        do {
            envelope = try Envelope(decoding: response.body)
        } catch {
            throw .malformedAnswer(url: url + path, reason: "the envelope does not decode: \(error)")
        }
        guard envelope.hash == hash else {
            throw .hashMismatch(url: url + path, expected: hash.description, actual: envelope.hash.description)
        }
        return Timed(value: envelope, elapsed: response.elapsed)
    }

    /// The provider's signed checkpoints of intervals within `from...to`, each verified.
    public func checkpoints(from: UInt32, to: UInt32) async throws(AuditError) -> Timed<[SignedCheckpoint]> {
        let response = try await get("/v1/checkpoints", query: "from=\(from)&to=\(to)")
        try response.expect(200)
        let where_ = url + "/v1/checkpoints"
        let bodies: [SignedDocumentBody]
        do {
            bodies = try AnswerBody.checkpoints(response.body)
        } catch {
            throw .malformedAnswer(url: where_, reason: error.message)
        }
        var out: [SignedCheckpoint] = []
        for body in bodies {
            do {
                let signed = try SignedDocument(body: body)
                try signed.verify()
                guard signed.kind == "checkpoint" else { throw AccountabilityError.malformedDocument("a \(signed.kind)") }
                out.append(SignedCheckpoint(signed: signed, checkpoint: try signed.decode(Checkpoint.self)))
            } catch {
                throw .badSignedDocument(url: where_, reason: "\(error)")
            }
        }
        return Timed(value: out, elapsed: response.elapsed)
    }

    /// The round trip of `GET /health`, the cheapest request a provider serves.
    public func ping() async throws(AuditError) -> Duration {
        let response = try await get("/health")
        try response.expect(200)
        return response.elapsed
    }

    // MARK: HTTP

    struct Response {
        var url: String
        var status: Int
        var body: [UInt8]
        var elapsed: Duration

        func expect(_ code: Int) throws(AuditError) {
            guard status == code else {
                let text = String(decoding: body.prefix(300), as: UTF8.self)
                throw .status(url: url, code: status, body: text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "")
            }
        }
    }

    private func get(_ path: String, query: String = "", accept: String = "application/json")
        async throws(AuditError) -> Response {
        let text = url + path + (query.isEmpty ? "" : "?" + query)
        guard let target = URL(string: text) else { throw .invalidProviderURL(text) }
        var request = URLRequest(url: target, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.setValue(accept, forHTTPHeaderField: "Accept")
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let (data, response) = try await ProviderClient.session.data(for: request)
            let elapsed = clock.now - start
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            return Response(url: url + path, status: status, body: Array(data), elapsed: elapsed)
        } catch {
            throw .unreachable(url: url + path, reason: error.localizedDescription)
        }
    }

    private func signedDocument(_ body: [UInt8], path: String) throws(AuditError) -> SignedDocument {
        do {
            return try SignedDocument(json: body)
        } catch {
            throw .malformedAnswer(url: url + path, reason: "\(error)")
        }
    }
}
