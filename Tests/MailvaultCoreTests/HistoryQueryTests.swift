import MailvaultCore
import Testing

@Suite("HistoryQuery and EnvelopeKey")
struct HistoryQueryTests {
    static let invalid: [(HistoryQuery, QueryError)] = [
        (HistoryQuery(from: 10, to: 9), .invalidTimeRange(from: 10, to: 9)),
        (HistoryQuery(topics: (0..<1001).map { Topic(rawValue: UInt32($0)) }), .tooManyTopics(1001)),
        (HistoryQuery(limit: 1001), .invalidLimit(1001)),
        (HistoryQuery(limit: 0), .invalidLimit(0)),
        (HistoryQuery(limit: -5), .invalidLimit(-5)),
        (HistoryQuery(maximumBytes: 0), .invalidByteBudget(0)),
    ]

    @Test("every out-of-range parameter is its own typed error naming its parameter", arguments: 0..<6)
    func rejects(index: Int) {
        let (query, expected) = HistoryQueryTests.invalid[index]
        #expect(throws: expected) { try query.validate() }
        #expect(["from", "topics", "limit", "maximumBytes"].contains(expected.parameter))
    }

    @Test("1000 topics and limit 1000 are allowed")
    func limits() throws {
        try HistoryQuery(topics: (0..<1000).map { Topic(rawValue: UInt32($0)) }, limit: 1000).validate()
    }

    @Test("a key is 36 bytes")
    func keyLength() {
        #expect(throws: QueryError.invalidKeyLength(40)) { try EnvelopeKey(bytes: [UInt8](repeating: 0, count: 40)) }
        #expect(throws: QueryError.invalidKeyLength(35)) { try EnvelopeKey(bytes: [UInt8](repeating: 0, count: 35)) }
        #expect(throws: QueryError.invalidKeyHex("zz")) { try EnvelopeKey(hex: "zz") }
    }

    @Test("the key is status-go's BE32(sent) ++ hash and orders like its bytes")
    func keyLayout() throws {
        let hash = try Hash256(hex: "0102030405060708091011121314151617181920212223242526272829303132")
        let key = EnvelopeKey(sent: 0xabcd_ef12, hash: hash)
        #expect(Hex.encode(key.bytes) == "abcdef12" + "0102030405060708091011121314151617181920212223242526272829303132")
        #expect(try EnvelopeKey(bytes: key.bytes) == key)
        #expect(try EnvelopeKey(hex: key.description) == key)
        let later = EnvelopeKey(sent: 0xabcd_ef13, hash: .zero)
        #expect(key < later)
        #expect(key.bytes.lexicographicallyPrecedes(later.bytes))
    }

    @Test("successor: the hash plus one, carrying into the sent time; none after the last key")
    func successor() throws {
        let key = EnvelopeKey(sent: 7, hash: Hash256(w0: 0, w1: 0, w2: 0, w3: .max))
        #expect(key.successor == EnvelopeKey(sent: 7, hash: Hash256(w0: 0, w1: 0, w2: 1, w3: 0)))
        #expect(EnvelopeKey.last(sent: 7).successor == EnvelopeKey.first(sent: 8))
        #expect(EnvelopeKey.last(sent: .max).successor == nil)
    }

    @Test("the key range starts after the cursor and is empty past the last key")
    func keyRange() {
        #expect(HistoryQuery(from: 5, to: 9).keyRange == EnvelopeKey.first(sent: 5)...EnvelopeKey.last(sent: 9))
        #expect(HistoryQuery(from: 5, to: 9, cursor: EnvelopeKey.last(sent: 9)).keyRange == nil)
        #expect(HistoryQuery(from: 5, to: 9, cursor: EnvelopeKey.last(sent: 6)).keyRange
                == EnvelopeKey.first(sent: 7)...EnvelopeKey.last(sent: 9))
        #expect(HistoryQuery(from: 5, to: 9, cursor: EnvelopeKey.first(sent: 2)).keyRange?.lowerBound == EnvelopeKey.first(sent: 5))
        #expect(HistoryQuery(to: .max, cursor: EnvelopeKey.last(sent: .max)).keyRange == nil)
    }

    @Test("errors read as sentences")
    func descriptions() {
        #expect(QueryError.invalidKeyLength(3).description == "a cursor is 36 bytes (sent ++ hash), got 3")
        #expect(QueryError.tooManyTopics(1001).description.contains("at most 1000"))
    }
}
