import MailvaultCore
@testable import MailvaultStore
import Testing

@Suite("The store checks every query")
struct StoreQueryValidationTests {
    /// One query per rule (the rules themselves are `HistoryQueryTests`'s): the store refuses
    /// each with the core's error, wrapped.
    static let invalid: [(HistoryQuery, QueryError)] = [
        (HistoryQuery(from: 10, to: 9), .invalidTimeRange(from: 10, to: 9)),
        (HistoryQuery(topics: (0..<1001).map { Topic(rawValue: UInt32($0)) }), .tooManyTopics(1001)),
        (HistoryQuery(limit: 0), .invalidLimit(0)),
        (HistoryQuery(maximumBytes: -1), .invalidByteBudget(-1)),
    ]

    @Test("every out-of-range parameter is its own typed error from the store", arguments: 0..<4)
    func rejects(index: Int) throws {
        let (query, expected) = StoreQueryValidationTests.invalid[index]
        let directory = TemporaryDirectory("validate")
        defer { directory.remove() }
        let store = try EnvelopeStore.open(at: directory.path)
        #expect(throws: StoreError.invalidQuery(expected)) { try store.query(query) }
        #expect(throws: StoreError.invalidQuery(expected)) { try store.hashes(query) }
    }

    @Test("errors read as sentences")
    func descriptions() {
        #expect(StoreError.invalidQuery(.invalidKeyLength(3)).description == "a cursor is 36 bytes (sent ++ hash), got 3")
        #expect(StoreError.diskFull.description.contains("everything stored before is intact"))
    }
}
