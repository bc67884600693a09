/// Why the client could not do what it was asked, or why it refused a provider's answer.
///
/// Errors about one provider's answer (`unreachable`, `status`, `malformedAnswer`,
/// `refusedAnswer`) are recorded against that provider and make the client fail over; the
/// others end a sync.
public enum ClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A provider or directory URL that is not an absolute http(s) URL without a query.
    case invalidURL(String)
    /// The request did not complete in time or at all (connection refused, reset, deadline).
    case unreachable(url: String, reason: String)
    /// The provider answered with an HTTP status other than the one expected.
    case status(url: String, code: Int, message: String)
    /// The answer does not parse, lacks a field or is larger than allowed.
    case malformedAnswer(url: String, reason: String)
    /// The answer parses but is not true: a signature, a receipt that does not match its page,
    /// an envelope that is not the one listed, outside the query, or below the declared PoW.
    case refusedAnswer(url: String, reason: String)
    /// No provider could be found or verified from the sources given.
    case noProviders(String)
    /// The sync's own settings are wrong (k of 0, an inverted range, too many topics).
    case invalidConfiguration(String)
    /// The local store or state in the data directory could not be read or written.
    case localStorage(String)

    /// The error in one line.
    public var description: String {
        switch self {
        case .invalidURL(let text): "'\(text)' is not an http(s) URL"
        case .unreachable(let url, let reason): "\(url) is unreachable: \(reason)"
        case .status(let url, let code, let message): "\(url) answered HTTP \(code)\(message.isEmpty ? "" : ": \(message)")"
        case .malformedAnswer(let url, let reason): "\(url) gave a malformed answer: \(reason)"
        case .refusedAnswer(let url, let reason): "\(url) gave an answer that was refused: \(reason)"
        case .noProviders(let reason): "no usable provider: \(reason)"
        case .invalidConfiguration(let reason): "invalid sync settings: \(reason)"
        case .localStorage(let reason): "the local store failed: \(reason)"
        }
    }

    /// Whether asking the same provider again may help (a network failure, a 5xx, a 429).
    var isTransient: Bool {
        switch self {
        case .unreachable: true
        case .status(_, let code, _): code == 429 || code >= 500
        default: false
        }
    }
}
