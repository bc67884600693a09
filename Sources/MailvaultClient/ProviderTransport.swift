import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The one HTTP client every outbound request of the client goes through: AsyncHTTPClient with
/// its timeouts, no redirects and no decompression configured here, a deadline on every request,
/// and retries with exponential back-off and jitter (`RetryPolicy`) for failures that may pass.
///
/// Create one per process (or per sync) and `shutdown()` it when done.
public final class ProviderTransport: Sendable {
    /// How long one request may take, answer body included, before it counts as failed.
    public let requestTimeout: Duration
    /// How failed requests are retried.
    public let retry: RetryPolicy
    let http: HTTPClient

    /// A transport whose requests each end within `requestTimeout`.
    public init(requestTimeout: Duration = .seconds(30), retry: RetryPolicy = RetryPolicy()) {
        self.requestTimeout = requestTimeout
        self.retry = retry
        var settings = HTTPClient.Configuration()
        let seconds = max(1, requestTimeout.components.seconds + (requestTimeout.components.attoseconds > 0 ? 1 : 0))
        // AsyncHTTPClient keeps retrying a refused connection until the connect timeout, so this
        // bounds what a provider that is down costs each request.
        settings.timeout = .init(connect: .seconds(min(2, seconds)), read: .seconds(seconds))
        settings.redirectConfiguration = .disallow
        settings.decompression = .disabled
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
    }

    /// Closes the connections; requests after this fail.
    public func shutdown() async {
        try? await http.shutdown()
    }

    /// An answer as it came, with the time the successful attempt took.
    struct Answer: Sendable {
        var url: String
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var elapsed: Duration

        func expect(_ code: Int) throws(ClientError) {
            guard status == code else {
                throw .status(url: url, code: status, message: ProviderTransport.errorMessage(body))
            }
        }
    }

    /// One request, retried by `retry` while it fails transiently; at most `limit` bytes of answer.
    /// A status that is not transient (a 404, a 400) is returned for the caller to judge.
    /// `once` makes a single attempt (a probe: a provider that does not answer at once is not
    /// chosen, which costs less than waiting for it).
    func request(_ url: String, method: HTTPMethod = .GET, body: [UInt8]? = nil, contentType: String? = nil,
                 accept: String = "application/json", limit: Int, once single: Bool = false) async throws(ClientError) -> Answer {
        let attempts = single ? 1 : retry.attempts
        var generator = SystemRandomNumberGenerator()
        var retries = 0
        while true {
            let failure: ClientError
            var retryAfter: Duration?
            do throws(ClientError) {
                let answer = try await once(url, method: method, body: body, contentType: contentType, accept: accept, limit: limit)
                guard answer.status == 429 || answer.status >= 500 else { return answer }
                retryAfter = answer.headers.first(name: "Retry-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                    .map { Duration.seconds(max(0, $0)) }
                failure = .status(url: url, code: answer.status, message: ProviderTransport.errorMessage(answer.body))
            } catch {
                guard error.isTransient else { throw error }
                failure = error
            }
            guard retries + 1 < attempts else { throw failure }
            let wait: Duration
            if let retryAfter {
                // Honoured when short; a long one means "ask someone else", which the caller does.
                guard retryAfter <= retry.maximumDelay else { throw failure }
                wait = retryAfter
            } else {
                wait = retry.delay(beforeRetry: retries, using: &generator)
            }
            retries += 1
            do {
                try await Task.sleep(for: wait)
            } catch {
                throw failure
            }
        }
    }

    private func once(_ url: String, method: HTTPMethod, body: [UInt8]?, contentType: String?, accept: String,
                      limit: Int) async throws(ClientError) -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: accept)
        if let body {
            request.headers.add(name: "Content-Type", value: contentType ?? "application/octet-stream")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let clock = ContinuousClock()
        let start = clock.now
        let timeout = TimeAmount.nanoseconds(Int64(requestTimeout.components.seconds) * 1_000_000_000
                                             + requestTimeout.components.attoseconds / 1_000_000_000)
        do {
            let response = try await http.execute(request, deadline: .now() + timeout)
            if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
                throw ClientError.malformedAnswer(url: url, reason: "an answer of \(length) bytes, more than the \(limit) read")
            }
            let buffer = try await response.body.collect(upTo: limit)
            return Answer(url: url, status: Int(response.status.code), headers: response.headers,
                          body: Array(buffer.readableBytesView), elapsed: clock.now - start)
        } catch let error as ClientError {
            throw error
        } catch is NIOTooManyBytesError {
            throw .malformedAnswer(url: url, reason: "the answer is larger than the \(limit) bytes read")
        } catch {
            throw .unreachable(url: url, reason: "\(error)")
        }
    }

    /// A URL checked to be absolute http(s) with a host and no query, without trailing slashes.
    public static func normalise(_ url: String) throws(ClientError) -> String {
        var text = url.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        guard let parsed = URL(string: text), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = parsed.host, !host.isEmpty, parsed.query == nil, parsed.fragment == nil else {
            throw .invalidURL(url)
        }
        return text
    }

    /// The message of the API's JSON error object, or the start of whatever came.
    static func errorMessage(_ body: [UInt8]) -> String {
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
           let error = object["error"] as? [String: Any], let code = error["code"] as? String {
            return "\(code): \(error["message"] as? String ?? "")"
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
    }
}
