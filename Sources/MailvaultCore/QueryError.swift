/// Why a history query (or one of its parts) is refused. Each case names the query parameter it
/// is about (`parameter`), so the HTTP API, the CLI and the C API report it in their own terms.
public enum QueryError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A key (cursor) is exactly 36 bytes (BE32 sent ++ hash); this one had another length.
    case invalidKeyLength(Int)
    /// A key (cursor) given as text that is not hex.
    case invalidKeyHex(String)
    /// A bloom filter is exactly 64 bytes; this one had another length.
    case invalidBloomLength(Int)
    /// `from` is after `to`.
    case invalidTimeRange(from: UInt32, to: UInt32)
    /// More topics than a query may carry (`HistoryQuery.maximumTopics`).
    case tooManyTopics(Int)
    /// A limit outside `1...HistoryQuery.maximumLimit`.
    case invalidLimit(Int)
    /// A page byte budget that is not positive.
    case invalidByteBudget(Int)

    /// The query parameter the error is about, as the HTTP API names it.
    public var parameter: String {
        switch self {
        case .invalidKeyLength, .invalidKeyHex: "cursor"
        case .invalidBloomLength: "bloom"
        case .invalidTimeRange: "from"
        case .tooManyTopics: "topics"
        case .invalidLimit: "limit"
        case .invalidByteBudget: "maximumBytes"
        }
    }

    public var description: String {
        switch self {
        case .invalidKeyLength(let length):
            "a cursor is 36 bytes (sent ++ hash), got \(length)"
        case .invalidKeyHex(let text):
            "a cursor is 72 hex digits (sent ++ hash), got '\(text.prefix(100))'"
        case .invalidBloomLength(let length):
            "a bloom filter is 64 bytes, got \(length)"
        case .invalidTimeRange(let from, let to):
            "from (\(from)) is after to (\(to))"
        case .tooManyTopics(let count):
            "a query may carry at most \(HistoryQuery.maximumTopics) topics, got \(count)"
        case .invalidLimit(let limit):
            "limit must be between 1 and \(HistoryQuery.maximumLimit), got \(limit)"
        case .invalidByteBudget(let bytes):
            "a page's byte budget must be positive, got \(bytes)"
        }
    }
}
