import CoreMetrics
import Hummingbird
import MailvaultAPI

/// Takes a token from a per-client bucket before a route runs; a client out of tokens gets 429
/// with `Retry-After` and the route never runs (nothing is parsed).
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let limiter: RateLimiter
    /// Counts refused requests.
    let refused: CoreMetrics.Counter
    let trustForwardedFor: Bool

    func handle(_ request: Request, context: ServerContext,
                next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        // The address is only worked out when a limit is set (it costs a string per request).
        if limiter.isEnabled, let wait = limiter.acquire(ClientAddress.of(request, context, trustForwardedFor: trustForwardedFor)) {
            refused.increment()
            throw APIError.rateLimited(retryAfter: wait)
        }
        return try await next(request, context)
    }
}

/// Bounds the reads served at once (`QueryGate`): past the bound a read gets 503 with
/// `Retry-After` instead of queueing in the server's memory.
struct QueryGateMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let gate: QueryGate
    /// Counts refused reads.
    let refused: CoreMetrics.Counter

    func handle(_ request: Request, context: ServerContext,
                next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        guard gate.enter() else {
            refused.increment()
            throw APIError.unavailable("overloaded", "too many queries in progress; retry shortly")
        }
        defer { gate.leave() }
        return try await next(request, context)
    }
}
