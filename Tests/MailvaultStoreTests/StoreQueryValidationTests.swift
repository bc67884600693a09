import MailvaultCore
@testable import MailvaultStore
import Testing

@Suite("StoreQuery and StoreCursor validation")
struct StoreQueryValidationTests {
    static let invalid: [(StoreQuery, StoreError)] = [
        (StoreQuery(from: 10, to: 9), .invalidTimeRange(from: 10, to: 9)),
        (StoreQuery(topics: (0..<1001).map { Topic(rawValue: UInt32($0)) }), .tooManyTopics(1001)),
        (StoreQuery(limit: 1001), .invalidLimit(1001)),
        (StoreQuery(limit: 0), .invalidLimit(0)),
        (StoreQuery(limit: -5), .invalidLimit(-5)),
    ]

    @Test("every out-of-range parameter is its own typed error, from validate() and from the store",
          arguments: 0..<5)
    func rejects(index: Int) throws {
        let (query, expected) = StoreQueryValidationTests.invalid[index]
        #expect(throws: expected) { try query.validate() }
        let directory = TemporaryDirectory("validate")
        defer { directory.remove() }
        let store = try EnvelopeStore.open(at: directory.path)
        #expect(throws: expected) { try store.query(query) }
        #expect(throws: expected) { try store.hashes(query) }
    }

    @Test("1000 topics and limit 1000 are allowed")
    func limits() throws {
        try StoreQuery(topics: (0..<1000).map { Topic(rawValue: UInt32($0)) }, limit: 1000).validate()
    }

    @Test("wire-level parts: bloom must be 64 bytes, cursor 36 bytes, nil limit is 100")
    func wireParts() throws {
        #expect(throws: StoreError.invalidBloomLength(63)) {
            try StoreQuery(from: 0, to: 1, topics: [], bloomBytes: [UInt8](repeating: 0xFF, count: 63), limit: nil,
                           cursorBytes: nil)
        }
        #expect(throws: StoreError.invalidCursorLength(35)) {
            try StoreQuery(from: 0, to: 1, topics: [], bloomBytes: nil, limit: nil, cursorBytes: [UInt8](repeating: 0, count: 35))
        }
        #expect(throws: StoreError.invalidCursorLength(40)) {
            try StoreCursor(bytes: [UInt8](repeating: 0, count: 40))
        }
        let query = try StoreQuery(from: 0, to: 1, topics: [], bloomBytes: nil, limit: nil, cursorBytes: nil)
        #expect(query.limit == 100)
    }

    @Test("the cursor is status-go's BE32(sent) ++ hash and orders like its bytes")
    func cursorLayout() throws {
        let hash = try Hash256(hex: "0102030405060708091011121314151617181920212223242526272829303132")
        let cursor = StoreCursor(sent: 0xabcd_ef12, hash: hash)
        #expect(Hex.encode(cursor.bytes) == "abcdef12" + "0102030405060708091011121314151617181920212223242526272829303132")
        #expect(try StoreCursor(bytes: cursor.bytes) == cursor)
        let later = StoreCursor(sent: 0xabcd_ef13, hash: .zero)
        #expect(cursor < later)
        #expect(cursor.bytes.lexicographicallyPrecedes(later.bytes))
    }

    @Test("errors read as sentences")
    func descriptions() {
        #expect(StoreError.invalidCursorLength(3).description == "a cursor is 36 bytes (sent ++ hash), got 3")
        #expect(StoreError.tooManyTopics(1001).description.contains("at most 1000"))
        #expect(StoreError.diskFull.description.contains("everything stored before is intact"))
    }
}
