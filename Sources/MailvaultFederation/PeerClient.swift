import AsyncHTTPClient
import Foundation
import MailvaultAccountability
import MailvaultAPI
import MailvaultCore
import NIOCore
import NIOHTTP1
import Synchronization

/// The client side of the sync protocol (Docs/Sync.md) against one peer: its descriptor, one
/// Negentropy exchange, a batch of envelopes by hash, and the stream of keys it announces.
///
/// Everything the peer sends is checked before it is returned: sizes are capped before bytes
/// are read, envelopes pass the strict decoder and must be ones that were asked for.
public struct PeerClient: Sendable {
    /// The peer's base URL.
    public let url: String
    /// The header that names the asking node (its provider address), for the peer's statistics.
    public static let peerHeader = "Mailvault-Peer"
    /// The header of a partial envelope batch: the index of the first hash not looked at.
    public static let nextHeader = "Mailvault-Next"
    /// The media type of a Negentropy message and of a hash list.
    public static let binaryMediaType = "application/octet-stream"

    let http: HTTPClient
    let selfAddress: String?
    let limits: FederationLimits
    let counters: PeerCounters
    /// Signs each request (`Mailvault-Signature`), so that a peer selling subscriptions knows the
    /// request comes from a peer of its own, not from a client using its quota.
    let key: ProviderKey?

    init(url: String, http: HTTPClient, selfAddress: String?, limits: FederationLimits, counters: PeerCounters,
         key: ProviderKey? = nil) {
        self.url = url
        self.http = http
        self.selfAddress = selfAddress
        self.limits = limits
        self.counters = counters
        self.key = key
    }

    /// The peer's signed descriptor, verified (its signature, and that it is signed by the key it
    /// publishes).
    public func descriptor() async throws(FederationError) -> ProviderIdentity {
        let body = try await exchange(method: .GET, path: "/v1/provider", body: nil, contentType: nil,
                                      limit: 256 << 10, accept: IngestBody.jsonMediaType).body
        do {
            return try ProviderIdentity(signed: try SignedDocument(json: body))
        } catch {
            throw .badDescriptor(peer: url, reason: "\(error)")
        }
    }

    /// The peer's directory (`GET /v1/providers`), parsed but not verified: the directory verifies
    /// each descriptor as it takes it.
    public func directory() async throws(FederationError) -> [SignedDocumentBody] {
        let body = try await exchange(method: .GET, path: "/v1/providers", body: nil, contentType: nil,
                                      limit: 8 << 20, accept: IngestBody.jsonMediaType).body
        do {
            return try AnswerBody.directory(body)
        } catch {
            throw .protocolViolation(peer: url, reason: "its directory cannot be read: \(error.message)")
        }
    }

    /// Sends one Negentropy message and returns the peer's answer (not yet parsed).
    public func negentropy(_ message: [UInt8]) async throws(FederationError) -> [UInt8] {
        try await exchange(method: .POST, path: "/v1/sync/negentropy", body: message, contentType: PeerClient.binaryMediaType,
                           limit: limits.maximumMessageBytes, accept: PeerClient.binaryMediaType).body
    }

    /// The envelopes the peer holds among `hashes` (at most `limits.maximumFetch`), each checked
    /// to be one of them; `next` is where to continue when the peer stopped early (its byte budget).
    public func envelopes(_ hashes: ArraySlice<Hash256>) async throws(FederationError) -> (envelopes: [Envelope], next: Int?) {
        precondition(hashes.count <= limits.maximumFetch)
        let body = SyncBody.encode(hashes: hashes)
        let answer = try await exchange(method: .POST, path: "/v1/sync/envelopes", body: body,
                                        contentType: PeerClient.binaryMediaType,
                                        limit: limits.maximumFetchBytes, accept: IngestBody.rlpMediaType)
        let envelopes: [Envelope]
        do {
            envelopes = try Envelope.decodePacket(answer.body)
        } catch {
            throw .protocolViolation(peer: url, reason: "the envelope batch is not an RLP list of envelopes: \(error)")
        }
        let asked = Set(hashes)
        for envelope in envelopes where !asked.contains(envelope.hash) {
            throw .protocolViolation(peer: url, reason: "it sent envelope \(envelope.hash), which was not asked for")
        }
        var next: Int?
        if let text = answer.headers.first(name: PeerClient.nextHeader) {
            guard let index = Int(text), index > 0, index < hashes.count else {
                throw .protocolViolation(peer: url, reason: "\(PeerClient.nextHeader) '\(text)' is not inside the batch")
            }
            next = hashes.startIndex + index
        }
        counters.received(envelopes: envelopes.count)
        return (envelopes, next)
    }

    /// The keys the peer announces as it stores envelopes, batch by batch, until the stream ends
    /// or stalls for `limits.readTimeout` (keep-alives arrive every 15 s).
    public func announcements() async throws(FederationError) -> AsyncThrowingStream<[EnvelopeKey], Error> {
        var request = HTTPClientRequest(url: url + "/v1/sync/live")
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let selfAddress { request.headers.add(name: PeerClient.peerHeader, value: selfAddress) }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .hours(24 * 365))
        } catch {
            throw .unreachable(peer: url, reason: "\(error)")
        }
        guard response.status == .ok else {
            let body = (try? await response.body.collect(upTo: 64 << 10)).map { Array($0.readableBytesView) } ?? []
            throw .status(peer: url, code: Int(response.status.code), message: PeerClient.errorMessage(body))
        }
        let url = url, counters = counters, maximumLine = limits.maximumAnnouncementLine
        let (stream, continuation) = AsyncThrowingStream<[EnvelopeKey], Error>.makeStream()
        do {
            let task = Task {
                var lines = LineSplitter(peer: url, maximumLine: maximumLine)
                do {
                    for try await chunk in response.body {
                        counters.received(bytes: chunk.readableBytes)
                        for line in try lines.feed(chunk.readableBytesView) {
                            guard line.starts(with: Array("data: ".utf8)) else { continue }
                            do {
                                continuation.yield(try SyncBody.announcedKeys(line.dropFirst(6)))
                            } catch {
                                throw FederationError.protocolViolation(peer: url, reason: (error as? APIError)?.message ?? "\(error)")
                            }
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
        return stream
    }

    struct Answer {
        var body: [UInt8]
        var headers: HTTPHeaders
    }

    /// One request: at most `limit` bytes of answer, within `limits.requestTimeout`; an HTTP error
    /// becomes `.status` with the peer's error message.
    private func exchange(method: HTTPMethod, path: String, body: [UInt8]?, contentType: String?, limit: Int,
                          accept: String) async throws(FederationError) -> Answer {
        var request = HTTPClientRequest(url: url + path)
        request.method = method
        request.headers.add(name: "Accept", value: accept)
        if let selfAddress { request.headers.add(name: PeerClient.peerHeader, value: selfAddress) }
        if let key {
            let parts = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            let signature = RequestSignature(method: method.rawValue, path: String(parts[0]), query: parts.count > 1 ? String(parts[1]) : "",
                                             time: UInt32(Date().timeIntervalSince1970), key: key)
            request.headers.add(name: RequestSignature.headerName, value: signature.header)
        }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType ?? PeerClient.binaryMediaType)
            request.body = .bytes(ByteBuffer(bytes: body))
            counters.sent(bytes: body.count)
        }
        do {
            let response = try await http.execute(request, timeout: .seconds(limits.requestTimeout.components.seconds))
            if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
                throw FederationError.protocolViolation(peer: url, reason: "its answer of \(length) bytes exceeds \(limit)")
            }
            let buffer = try await response.body.collect(upTo: limit)
            counters.received(bytes: buffer.readableBytes)
            let bytes = Array(buffer.readableBytesView)
            guard response.status == .ok else {
                throw FederationError.status(peer: url, code: Int(response.status.code), message: PeerClient.errorMessage(bytes))
            }
            return Answer(body: bytes, headers: response.headers)
        } catch let error as FederationError {
            throw error
        } catch is NIOTooManyBytesError {
            throw .protocolViolation(peer: url, reason: "its answer exceeds \(limit) bytes")
        } catch {
            throw .unreachable(peer: url, reason: "\(error)")
        }
    }

    /// The message of the API's JSON error object, or the start of whatever came.
    static func errorMessage(_ body: [UInt8]) -> String {
        if let error = try? JSONDecoder().decode(ErrorBody.self, from: Data(body)) {
            return "\(error.error.code): \(error.error.message)"
        }
        return String(decoding: body.prefix(200), as: UTF8.self)
    }

    struct ErrorBody: Decodable {
        struct Inner: Decodable {
            var code: String
            var message: String
        }
        var error: Inner
    }
}

/// Splits a peer's byte stream into lines (LF or CRLF), refusing a line longer than `maximumLine`.
struct LineSplitter {
    let peer: String
    let maximumLine: Int
    private var pending: [UInt8] = []

    init(peer: String, maximumLine: Int) {
        self.peer = peer
        self.maximumLine = maximumLine
    }

    mutating func feed(_ bytes: some Collection<UInt8>) throws(FederationError) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        for byte in bytes {
            if byte == 10 {
                if pending.last == 13 { pending.removeLast() }
                lines.append(pending)
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
                if pending.count > maximumLine {
                    throw .protocolViolation(peer: peer, reason: "an event-stream line is longer than \(maximumLine) bytes")
                }
            }
        }
        return lines
    }
}
