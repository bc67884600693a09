import CoreMetrics
import Hummingbird
import MailvaultAPI

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
