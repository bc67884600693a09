import MailvaultCore

/// The query parameters of the history endpoints (`GET /v1/envelopes`, `GET /v1/hashes`) and of
/// the live subscription, in both directions: parsed into a `HistoryQuery` with every limit
/// checked (by `HistoryQuery.validate`) and every error naming its parameter, and written back
/// from a query for a client.
public enum QueryParameters {
    /// The parameters of a history query.
    public static let historyNames: Set<String> = ["from", "to", "topics", "bloom", "limit", "cursor"]
    /// The parameters of a subscription.
    public static let subscriptionNames: Set<String> = ["topics", "bloom"]
    /// How far past `now` the default `to` reaches (status-go's mailserver did the same, so that
    /// envelopes sent slightly in the future are included).
    public static let defaultLookAhead: UInt32 = 60

    /// A history query: `from` (default 0), `to` (default `now + 60`), `topics` (comma-separated,
    /// at most 1000, each 4 bytes of hex; overrides `bloom`), `bloom` (64 bytes of hex), `limit`
    /// (1…1000, default 100) and `cursor` (36 bytes of hex). Unknown parameters are refused.
    public static func history(_ query: QueryString, now: UInt32) throws(APIError) -> HistoryQuery {
        try query.requireOnly(historyNames)
        let (from, to) = try timeRange(query, now: now)
        var limit = HistoryQuery.defaultLimit
        if let text = query["limit"] {
            guard let value = Int(text), text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  (1...HistoryQuery.maximumLimit).contains(value) else {
                throw .invalidParameter("limit", "limit must be an integer from 1 to \(HistoryQuery.maximumLimit), got '\(text)'")
            }
            limit = value
        }
        var cursor: EnvelopeKey?
        if let text = query["cursor"], !text.isEmpty {
            let bytes = try hex(text, name: "cursor")
            cursor = try checked { () throws(QueryError) in try EnvelopeKey(bytes: bytes) }
        }
        let (topics, bloom) = try topicFilter(query)
        let parsed = HistoryQuery(from: from, to: to, topics: topics, bloom: bloom, limit: limit, cursor: cursor)
        try checked { () throws(QueryError) in try parsed.validate() }
        return parsed
    }

    /// A history query from binary parts, as the C API and the CLI receive them: a bloom must be
    /// 64 bytes, a cursor 36 bytes; a `nil` limit means the default.
    public static func history(from: UInt32, to: UInt32, topics: [Topic], bloomBytes: [UInt8]?, limit: Int?,
                               cursorBytes: [UInt8]?) throws(QueryError) -> HistoryQuery {
        var bloom: Bloom?
        if let bloomBytes {
            guard let parsed = Bloom(bytes: bloomBytes) else { throw .invalidBloomLength(bloomBytes.count) }
            bloom = parsed
        }
        let cursor = try cursorBytes.map { (bytes) throws(QueryError) in try EnvelopeKey(bytes: bytes) }
        let query = HistoryQuery(from: from, to: to, topics: topics, bloom: bloom,
                                 limit: limit ?? HistoryQuery.defaultLimit, cursor: cursor)
        try query.validate()
        return query
    }

    /// The query string (without `?`) that `history(_:now:)` parses back to `query`: every
    /// parameter the query sets, `to` always (its default depends on the server's clock). The
    /// byte budget is the server's business and is not sent.
    public static func encode(_ query: HistoryQuery) -> String {
        var parts = ["from=\(query.from)", "to=\(query.to)", "limit=\(query.limit)"]
        if !query.topics.isEmpty {
            parts.append("topics=" + query.topics.map(\.description).joined(separator: ","))
        } else if let bloom = query.bloom {
            parts.append("bloom=\(bloom)")
        }
        if let cursor = query.cursor { parts.append("cursor=\(cursor)") }
        // Every value is digits, hex or commas: nothing to escape.
        return parts.joined(separator: "&")
    }

    /// `from` (default 0) and `to` (default `now + 60`), inclusive, with `from <= to`.
    public static func timeRange(_ query: QueryString, now: UInt32) throws(APIError) -> (from: UInt32, to: UInt32) {
        let from = try query["from"].map { (text) throws(APIError) in try uint32(text, name: "from") } ?? 0
        let defaultTo = now > UInt32.max - defaultLookAhead ? UInt32.max : now + defaultLookAhead
        let to = try query["to"].map { (text) throws(APIError) in try uint32(text, name: "to") } ?? defaultTo
        guard from <= to else {
            throw .invalidParameter("from", QueryError.invalidTimeRange(from: from, to: to).description)
        }
        return (from, to)
    }

    /// A subscription's filter: `topics` or `bloom` or neither (everything). Unknown parameters
    /// are refused.
    public static func subscription(_ query: QueryString) throws(APIError) -> LiveFilter {
        try query.requireOnly(subscriptionNames)
        let (topics, bloom) = try topicFilter(query)
        return LiveFilter(topics: topics, bloom: bloom)
    }

    private static func topicFilter(_ query: QueryString) throws(APIError) -> (topics: [Topic], bloom: Bloom?) {
        var topics: [Topic] = []
        if let text = query["topics"], !text.isEmpty {
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count <= HistoryQuery.maximumTopics else {
                throw .invalidParameter("topics", "at most \(HistoryQuery.maximumTopics) topics per query, got \(parts.count)")
            }
            topics.reserveCapacity(parts.count)
            for (index, part) in parts.enumerated() {
                let bytes = try hex(part, name: "topics")
                guard let topic = Topic(bytes: bytes) else {
                    throw .invalidParameter("topics", "topic \(index + 1) ('\(part)') is \(bytes.count) bytes; a topic is 4")
                }
                topics.append(topic)
            }
        }
        var bloom: Bloom?
        if let text = query["bloom"], !text.isEmpty {
            let bytes = try hex(text, name: "bloom")
            guard let parsed = Bloom(bytes: bytes) else {
                throw .invalidParameter("bloom", "a bloom filter is \(Bloom.byteCount) bytes, got \(bytes.count)")
            }
            bloom = parsed
        }
        return (topics, bloom)
    }

    /// Runs a core check, its error reported against the parameter it names.
    private static func checked<T>(_ body: () throws(QueryError) -> T) throws(APIError) -> T {
        do {
            return try body()
        } catch {
            throw .invalidParameter(error.parameter, error.description)
        }
    }

    private static func uint32(_ text: String, name: String) throws(APIError) -> UInt32 {
        guard !text.isEmpty, text.utf8.count <= 10,
              text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = UInt32(text) else {
            throw .invalidParameter(name, "\(name) must be an integer from 0 to \(UInt32.max) (Unix seconds), got '\(text)'")
        }
        return value
    }

    private static func hex(_ text: some StringProtocol, name: String) throws(APIError) -> [UInt8] {
        do {
            return try Hex.decode(text)
        } catch {
            throw .invalidParameter(name, "\(name) is not valid hex: \(error)")
        }
    }
}
