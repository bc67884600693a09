import MailvaultAPI
import MailvaultCore

/// Query parameters as binary parts (what the CLI and the C API receive): bounds, topics, bloom
/// bytes, limit and cursor bytes carved from the input. Whatever validates must have every field
/// within the documented limits and survive the trip through a query string; whatever is refused
/// must be refused with a typed error.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQueryParts(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))[...]
    func take(_ count: Int) -> [UInt8] {
        let part = Array(bytes.prefix(count))
        bytes = bytes.dropFirst(part.count)
        return part
    }
    func number(_ width: Int) -> UInt64 { take(width).reduce(0) { $0 << 8 | UInt64($1) } }
    let from = UInt32(truncatingIfNeeded: number(4))
    let to = UInt32(truncatingIfNeeded: number(4))
    let topicCount = Int(number(2)) % 1100
    let topics = (0..<topicCount).map { _ in Topic(rawValue: UInt32(truncatingIfNeeded: number(4))) }
    let bloomLength = Int(number(1))
    let bloom: [UInt8]? = bloomLength == 0 ? nil : take(bloomLength % 80)
    let limitByte = number(2)
    let limit: Int? = limitByte == 0 ? nil : Int(limitByte) - 2
    let cursorLength = Int(number(1)) % 40
    let cursor: [UInt8]? = cursorLength == 0 ? nil : take(cursorLength)
    let query: HistoryQuery
    do {
        query = try QueryParameters.history(from: from, to: to, topics: topics, bloomBytes: bloom, limit: limit,
                                            cursorBytes: cursor)
    } catch {
        return 0
    }
    let written = QueryParameters.encode(query)
    guard let again = try? QueryParameters.history(try QueryString(written), now: 0) else {
        preconditionFailure("a valid query's query string does not parse: \(written)")
    }
    // The query string carries the bloom only without topics (topics win), as the server reads it.
    var expected = query
    if !expected.topics.isEmpty { expected.bloom = nil }
    precondition(again == expected, "the query string parsed to another query")
    precondition(query.from <= query.to)
    precondition(query.topics.count <= HistoryQuery.maximumTopics)
    precondition((1...HistoryQuery.maximumLimit).contains(query.limit))
    if let cursor = query.cursor { precondition(cursor.bytes.count == EnvelopeKey.byteCount) }
    return 0
}
