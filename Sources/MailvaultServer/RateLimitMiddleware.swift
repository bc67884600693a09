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
