import Hummingbird
import MailvaultAPI

/// Wraps every request: times it for the metrics and turns whatever error escapes a route
/// (including the router's own 404 and 405) into the API's JSON error object.
struct RequestMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let server: MailvaultServer

    func handle(_ request: Request, context: ServerContext,
                next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        var routed = true
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = error.response
        } catch let error as HTTPError where error.status == .notFound {
            routed = false
            response = RequestMiddleware.unrouted(request).response
        } catch let error as HTTPError {
            response = APIError(status: Int(error.status.code), code: HTTPErrorCode.code(for: error.status),
                                message: error.body ?? error.status.reasonPhrase).response
        } catch {
            server.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            response = APIError(status: 500, code: "internal", message: "the server failed to answer this request").response
        }
        var answer = response
        if answer.status == .methodNotAllowed, let allowed = RequestMiddleware.methods(for: request.uri.path) {
            answer.headers[.allow] = allowed.joined(separator: ", ")
        }
        server.metrics.request(endpoint: "\(request.method) \(routed ? context.endpointPath ?? "unmatched" : "unmatched")",
                               status: Int(answer.status.code), duration: ContinuousClock.now - start)
        return answer
    }

    /// The API's routes and their methods, to tell "no such endpoint" (404) from "not with this
    /// method" (405 with `Allow`).
    static func methods(for path: String) -> [String]? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        switch parts.count {
        case 1 where ["health", "metrics"].contains(parts[0]): return ["GET"]
        case 2 where parts[0] == "v1":
            switch parts[1] {
            case "envelopes": return ["GET", "POST"]
            case "presence": return ["POST"]
            case "hashes", "subscribe", "stats", "provider", "checkpoints": return ["GET"]
            default: return nil
            }
        case 3 where parts[0] == "v1" && parts[1] == "envelopes": return ["GET"]
        default: return nil
        }
    }

    static func unrouted(_ request: Request) -> APIError {
        if let allowed = methods(for: request.uri.path) {
            return APIError(status: 405, code: "methodNotAllowed",
                            message: "\(request.uri.path) takes \(allowed.joined(separator: " or ")), not \(request.method)")
        }
        return .notFound("no endpoint at \(request.uri.path) (Docs/API.md lists them)")
    }
}

/// Stable codes for the statuses the framework itself produces.
enum HTTPErrorCode {
    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "notFound"
        case .methodNotAllowed: "methodNotAllowed"
        case .contentTooLarge: "bodyTooLarge"
        case .badRequest: "badRequest"
        default: "http\(status.code)"
        }
    }
}

extension APIError {
    /// The error as an HTTP response with its JSON object.
    var response: Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = "\(retryAfter)" }
        return Response(status: HTTPResponse.Status(code: status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }
}
