import MailvaultAccountability
import MailvaultAPI
import MailvaultAudit
import MailvaultCore

/// The calls the client makes to one provider, each answer checked before it is returned and
/// each request counted in the provider's tally.
///
/// - `descriptor()`: `GET /v1/provider`, signed by the key it publishes.
/// - `hashes(_:)`: one page of `GET /v1/hashes`, its receipt verified against the page
///   (`HashesPage`: signature, commitment to the keys, the query restated, the next cursor) and
///   signed by this provider's address.
/// - `envelopes(_:)`: `POST /v1/sync/envelopes`, up to 1000 hashes in, the held envelopes out
///   (an RLP list); only envelopes that were asked for are accepted.
struct ProviderConnection: Sendable {
    let url: String
    let transport: ProviderTransport
    let tally: ProviderTally

    /// The largest hashes page read (1000 keys as JSON are about 200 KB).
    static let maximumPageBytes = 4 << 20
    /// The largest envelope batch read: the server's byte budget (8 MiB) plus one largest envelope.
    static let maximumBatchBytes = (8 << 20) + (10 << 20) + 64
    /// The header of a partial envelope batch: the index of the first hash not looked at.
    static let nextHeader = "Mailvault-Next"

    /// The descriptor, one attempt (a probe).
    func descriptor() async throws(ClientError) -> ProviderIdentity {
        try await recorded(light: true) { () throws(ClientError) in
            let answer = try await transport.request(url + "/v1/provider", limit: 256 << 10, once: true)
            try answer.expect(200)
            do {
                return (try ProviderIdentity(signed: try SignedDocument(json: answer.body)), answer.elapsed)
            } catch {
                throw .refusedAnswer(url: answer.url, reason: "the descriptor does not verify: \(error)")
            }
        }
    }

    /// `GET /health`, one attempt (a probe).
    func ping() async throws(ClientError) {
        try await recorded(light: true) { () throws(ClientError) in
            let answer = try await transport.request(url + "/health", limit: 64 << 10, once: true)
            try answer.expect(200)
            return ((), answer.elapsed)
        }
    }

    /// One verified page; `signer` is the address the provider's descriptor names.
    func hashes(_ query: HistoryQuery, signer: ProviderAddress) async throws(ClientError) -> HashesPage {
        try await recorded { () throws(ClientError) in
            let answer = try await transport.request(url + "/v1/hashes?" + QueryParameters.encode(query),
                                                     limit: ProviderConnection.maximumPageBytes)
            try answer.expect(200)
            let parsed: (page: HistoryPage, receipt: SignedDocumentBody?)
            do throws(APIError) {
                parsed = try AnswerBody.hashes(answer.body)
            } catch {
                throw .malformedAnswer(url: answer.url, reason: error.message)
            }
            guard let receipt = parsed.receipt else {
                throw .refusedAnswer(url: answer.url, reason: "the page carries no receipt")
            }
            let page: HashesPage
            do {
                page = try HashesPage(query: query, entries: parsed.page.entries, next: parsed.page.next,
                                      receipt: try SignedDocument(body: receipt))
            } catch {
                throw .refusedAnswer(url: answer.url, reason: "the receipt does not match the page: \(error)")
            }
            guard page.receipt.signer == signer else {
                throw .refusedAnswer(url: answer.url, reason: "the receipt is signed by \(page.receipt.signer), not by the descriptor's \(signer)")
            }
            return (page, answer.elapsed)
        }
    }

    /// The envelopes the provider holds among `hashes` (at most 1000), and where to continue when
    /// it stopped early at its byte budget. Every envelope must be one of those asked for; the
    /// caller checks the rest (`ServedBatch`).
    func envelopes(_ hashes: ArraySlice<Hash256>) async throws(ClientError) -> (envelopes: [Envelope], next: Int?) {
        try await recorded { () throws(ClientError) in
            let answer = try await transport.request(url + "/v1/sync/envelopes", method: .POST,
                                                     body: SyncBody.encode(hashes: hashes),
                                                     contentType: "application/octet-stream",
                                                     accept: IngestBody.rlpMediaType,
                                                     limit: ProviderConnection.maximumBatchBytes)
            try answer.expect(200)
            let envelopes: [Envelope]
            do {
                envelopes = try Envelope.decodePacket(answer.body)
            } catch {
                throw .malformedAnswer(url: answer.url, reason: "the batch is not an RLP list of envelopes: \(error)")
            }
            var next: Int?
            if let text = answer.headers.first(name: ProviderConnection.nextHeader) {
                guard let index = Int(text), index > 0, index < hashes.count else {
                    throw .malformedAnswer(url: answer.url, reason: "\(ProviderConnection.nextHeader) '\(text)' is not inside the batch")
                }
                next = index
            }
            return ((envelopes, next), answer.elapsed)
        }
    }

    private func recorded<T>(light: Bool = false, _ body: () async throws(ClientError) -> (T, Duration))
        async throws(ClientError) -> T {
        do {
            let (value, elapsed) = try await body()
            tally.succeeded(after: elapsed, light: light)
            return value
        } catch {
            tally.failed(error)
            throw error
        }
    }
}
