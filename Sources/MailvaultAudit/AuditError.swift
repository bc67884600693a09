/// Why a provider's answer could not be used by an audit.
public enum AuditError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The request did not complete (connection refused, timeout, TLS).
    case unreachable(url: String, reason: String)
    /// The provider answered with an HTTP status other than the one expected.
    case status(url: String, code: Int, body: String)
    /// The answer does not parse or lacks a field.
    case malformedAnswer(url: String, reason: String)
    /// A signed document (descriptor or receipt) failed verification or disagrees with the answer.
    case badSignedDocument(url: String, reason: String)
    /// An envelope whose bytes do not hash to the hash it was fetched by.
    case hashMismatch(url: String, expected: String, actual: String)
    /// A provider URL that is not an absolute http(s) URL.
    case invalidProviderURL(String)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason): "\(url) is unreachable: \(reason)"
        case .status(let url, let code, let body): "\(url) answered HTTP \(code)\(body.isEmpty ? "" : ": \(body)")"
        case .malformedAnswer(let url, let reason): "\(url) gave a malformed answer: \(reason)"
        case .badSignedDocument(let url, let reason): "\(url) gave a signed document that does not verify: \(reason)"
        case .hashMismatch(let url, let expected, let actual):
            "\(url) returned an envelope hashing to \(actual) for \(expected)"
        case .invalidProviderURL(let text): "'\(text)' is not an http(s) provider URL"
        }
    }
}
