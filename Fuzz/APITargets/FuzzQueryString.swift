import MailvaultAPI
import MailvaultCore

/// The HTTP query string of the history and subscription endpoints. Whatever parses must be
/// within the documented limits, and writing the parsed query back as a canonical query string
/// must parse to the same query (percent-decoding, hex and number parsing agree with themselves).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQueryString(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let now: UInt32 = 1_700_000_000
    if let fields = try? QueryString(text) {
        _ = try? QueryParameters.subscription(fields)
    }
    guard let fields = try? QueryString(text), let query = try? QueryParameters.history(fields, now: now) else {
        return 0
    }
    precondition(query.from <= query.to)
    precondition((1...HistoryQuery.maximumLimit).contains(query.limit))
    precondition(query.topics.count <= HistoryQuery.maximumTopics)
    var canonical = "from=\(query.from)&to=\(query.to)&limit=\(query.limit)"
    if !query.topics.isEmpty { canonical += "&topics=" + query.topics.map(\.description).joined(separator: "%2C") }
    if let bloom = query.bloom { canonical += "&bloom=\(bloom)" }
    if let cursor = query.cursor { canonical += "&cursor=\(cursor)" }
    guard let again = try? QueryParameters.history(try QueryString(canonical), now: now) else {
        preconditionFailure("the canonical form of a valid query does not parse: \(canonical)")
    }
    precondition(again == query, "canonical form parsed to another query")
    precondition(try! QueryParameters.history(try! QueryString(QueryParameters.encode(query)), now: now) == query,
                 "the client's query string parsed to another query")
    return 0
}
