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
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = error.response
        } catch let error as HTTPError {
            response = APIError(status: Int(error.status.code), code: HTTPErrorCode.code(for: error.status),
                                message: error.body ?? error.status.reasonPhrase).response
        } catch {
            server.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            response = APIError(status: 500, code: "internal", message: "the server failed to answer this request").response
        }
        server.metrics.request(endpoint: context.endpointPath ?? "unmatched", status: Int(response.status.code),
                               duration: ContinuousClock.now - start)
        return response
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
