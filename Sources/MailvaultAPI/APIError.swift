/// A request the API refuses or cannot serve: an HTTP status, a stable machine-readable code, a
/// sentence for people and, when one parameter or field is at fault, its name.
///
/// Over HTTP it is sent as `{"error":{"code":"...","message":"...","parameter":"..."}}`.
public struct APIError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The HTTP status (4xx for the client's fault, 5xx for the server's).
    public var status: Int
    /// A stable identifier clients can switch on (`invalidParameter`, `malformedBody`, ...).
    public var code: String
    /// One sentence that says what is wrong and, where it helps, what is expected.
    public var message: String
    /// The query parameter or JSON field at fault (`limit`, `envelopes[3].topic`), if any.
    public var parameter: String?
    /// For 429 and 503: seconds after which a retry may succeed (sent as `Retry-After`).
    public var retryAfter: Int?

    /// An error with every field given.
    public init(status: Int, code: String, message: String, parameter: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.parameter = parameter
        self.retryAfter = retryAfter
    }

    public var description: String {
        parameter.map { "\(code) (\($0)): \(message)" } ?? "\(code): \(message)"
    }

    /// The error object as the API sends it.
    public var json: [UInt8] {
        var out = JSONBuffer(capacity: 96 + message.utf8.count)
        out.raw("{\"error\":{\"code\":")
        out.string(code)
        out.raw(",\"message\":")
        out.string(message)
        if let parameter {
            out.raw(",\"parameter\":")
            out.string(parameter)
        }
        if let retryAfter {
            out.raw(",\"retryAfter\":")
            out.number(retryAfter)
        }
        out.raw("}}")
        return out.bytes
    }
}

extension APIError {
    /// 400: a query parameter has a value the API does not accept.
    public static func invalidParameter(_ name: String, _ message: String) -> APIError {
        APIError(status: 400, code: "invalidParameter", message: message, parameter: name)
    }

    /// 400: the body does not parse as what the content type says.
    public static func malformedBody(_ message: String, field: String? = nil) -> APIError {
        APIError(status: 400, code: "malformedBody", message: message, parameter: field)
    }

    /// 404: nothing is stored under the requested name.
    public static func notFound(_ message: String) -> APIError {
        APIError(status: 404, code: "notFound", message: message)
    }

    /// 413: the body is larger than the server accepts.
    public static func bodyTooLarge(limit: Int) -> APIError {
        APIError(status: 413, code: "bodyTooLarge", message: "the request body exceeds the limit of \(limit) bytes")
    }

    /// 429: the client spent its request budget.
    public static func rateLimited(retryAfter: Int) -> APIError {
        APIError(status: 429, code: "rateLimited", message: "too many requests from this client; retry in \(retryAfter) s",
                 retryAfter: retryAfter)
    }

    /// 503: the server cannot take this request now (busy, or shutting down).
    public static func unavailable(_ code: String, _ message: String, retryAfter: Int = 1) -> APIError {
        APIError(status: 503, code: code, message: message, retryAfter: retryAfter)
    }

    /// 415: a body in a format this endpoint does not read.
    public static func unsupportedMediaType(_ contentType: String?, accepted: [String]) -> APIError {
        let given = contentType.map { "'\($0)'" } ?? "no content type"
        return APIError(status: 415, code: "unsupportedMediaType",
                        message: "\(given) is not accepted here; send \(accepted.joined(separator: " or "))")
    }
}
