import MailvaultAPI
import MailvaultCore
import Testing

@Suite("Queries both ways: binary parts in, query strings out and back")
struct QueryEncodingTests {
    @Test("binary parts: bloom must be 64 bytes, cursor 36 bytes, nil limit is 100, and the query's own rules hold")
    func binaryParts() throws {
        #expect(throws: QueryError.invalidBloomLength(63)) {
            try QueryParameters.history(from: 0, to: 1, topics: [], bloomBytes: [UInt8](repeating: 0xFF, count: 63), limit: nil,
                                        cursorBytes: nil)
        }
        #expect(throws: QueryError.invalidKeyLength(35)) {
            try QueryParameters.history(from: 0, to: 1, topics: [], bloomBytes: nil, limit: nil,
                                        cursorBytes: [UInt8](repeating: 0, count: 35))
        }
        #expect(throws: QueryError.invalidTimeRange(from: 2, to: 1)) {
            try QueryParameters.history(from: 2, to: 1, topics: [], bloomBytes: nil, limit: nil, cursorBytes: nil)
        }
        #expect(throws: QueryError.invalidLimit(0)) {
            try QueryParameters.history(from: 0, to: 1, topics: [], bloomBytes: nil, limit: 0, cursorBytes: nil)
        }
        let query = try QueryParameters.history(from: 0, to: 1, topics: [], bloomBytes: nil, limit: nil, cursorBytes: nil)
        #expect(query.limit == 100)
    }

    static let queries: [HistoryQuery] = [
        HistoryQuery(),
        HistoryQuery(from: 5, to: 9, topics: [Topic(1, 2, 3, 4), Topic(0xde, 0xad, 0xbe, 0xef)], limit: 1000,
                     cursor: EnvelopeKey(sent: 7, hash: Hash256(w0: 1, w1: 2, w2: 3, w3: 4))),
        HistoryQuery(from: 0, to: .max, bloom: Bloom(topics: [Topic(9, 9, 9, 9)]), limit: 1),
    ]

    @Test("a query written for a client parses back to itself", arguments: 0..<3)
    func roundTrip(index: Int) throws {
        let query = QueryEncodingTests.queries[index]
        let text = QueryParameters.encode(query)
        #expect(try QueryParameters.history(try QueryString(text), now: 1_700_000_000) == query)
    }

    @Test("a hashes answer reads back to its entries, cursor and receipt fields")
    func hashesAnswer() throws {
        let key = EnvelopeKey(sent: 7, hash: Hash256(bytes: [UInt8](repeating: 2, count: 32))!)
        let page = HistoryPage(entries: [HistoryEntry(key: key, topic: Topic(1, 2, 3, 4))], next: key)
        let receipt = Array(#"{"document":"{\"a\":1}","kind":"receipt","path":[{"left":"0x01"}],"signature":"0x02","signer":"0x03"}"#.utf8)
        let answer = try AnswerBody.hashes(APIResponseBody.hashes(page, receipt: receipt))
        #expect(answer.page.entries == page.entries && answer.page.next == key)
        #expect(answer.receipt?.document == #"{"a":1}"# && answer.receipt?.kind == "receipt")
        #expect(answer.receipt?.path == [SignedDocumentBody.Step(side: "left", hash: "0x01")])
    }

    @Test("an envelopes answer rebuilds each envelope and checks it against its hash")
    func envelopesAnswer() throws {
        let envelope = Envelope(expiry: 1_700_000_050, ttl: 50, topic: Topic(1, 2, 3, 4), data: [1, 2, 3], nonce: .max)
        let entry = HistoryEntry(key: EnvelopeKey(envelope), topic: envelope.topic, envelope: envelope)
        let body = APIResponseBody.envelopes(HistoryPage(entries: [entry], next: nil))
        let answer = try AnswerBody.envelopes(body)
        #expect(answer.page.entries == [entry] && answer.page.next == nil && answer.receipt == nil)
        var forged = String(decoding: body, as: UTF8.self)
        forged = forged.replacingOccurrences(of: "\"nonce\":18446744073709551615", with: "\"nonce\":1")
        #expect { _ = try AnswerBody.envelopes(Array(forged.utf8)) } throws: { error in
            (error as? APIError)?.parameter == "envelopes[0].hash"
        }
    }

    @Test("malformed answers are refused naming the field", arguments: [
        (#"{"hashes":[{"sent":1,"hash":"0x00","topic":"0x01020304"}],"cursor":null}"#, "hashes[0].hash"),
        (#"{"hashes":[{"sent":-1,"hash":"0x00","topic":"0x01020304"}],"cursor":null}"#, "hashes[0].sent"),
        (#"{"hashes":[],"cursor":"0x01"}"#, "cursor"),
        (#"{"cursor":null}"#, "hashes"),
    ])
    func malformed(body: String, field: String) {
        #expect { _ = try AnswerBody.hashes(Array(body.utf8)) } throws: { error in
            (error as? APIError)?.parameter == field
        }
    }
}
