@testable import MailvaultAPI
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

    /// The fast reader of the server's exact form and the general decoder agree: on what the
    /// server writes, and on the same answer laid out otherwise (which only the decoder reads).
    @Test("a hashes answer reads the same by the fast path and by the decoder", arguments: [0, 1, 3])
    func hashesFastPathAgrees(count: Int) throws {
        var entries: [HistoryEntry] = []
        for index in 0..<count {
            let bytes: [UInt8] = (0..<32).map { UInt8(($0 * 7 + index) % 256) }
            let sent: UInt32 = index == 0 ? 0 : UInt32.max - UInt32(index)
            entries.append(HistoryEntry(key: EnvelopeKey(sent: sent, hash: Hash256(bytes: bytes)!),
                                        topic: Topic(0xab, 0xcd, UInt8(index), 0xef)))
        }
        let receipt = Array(#"{"document":"{\"a\":1}","kind":"receipt","signature":"0x02","signer":"0x03"}"#.utf8)
        let nexts: [EnvelopeKey?] = [nil, entries.last?.key]
        let receipts: [[UInt8]?] = [nil, receipt]
        for next in nexts {
            for signed in receipts {
                let body = APIResponseBody.hashes(HistoryPage(entries: entries, next: next), receipt: signed)
                let fast = try #require(CanonicalHashesAnswer.read(body))
                let expected: SignedDocumentBody? = try signed.map { try AnswerBody.signedDocument($0) }
                #expect(fast.page.entries == entries)
                #expect(fast.page.next == next)
                #expect(fast.receipt == expected)
                // Spaces after every comma: not the server's form, so the decoder reads it, the same.
                let spacedText = String(decoding: body, as: UTF8.self).replacingOccurrences(of: ",", with: ", ")
                let spaced = Array(spacedText.utf8)
                #expect(CanonicalHashesAnswer.read(spaced) == nil)
                let general = try AnswerBody.hashes(spaced)
                #expect(general.page.entries == entries)
                #expect(general.page.next == next)
                #expect(general.receipt == expected)
            }
        }
    }

    @Test("the fast path leaves anything but the exact form to the decoder", arguments: [
        #"{"hashes":[{"sent":01,"hash":"0x0000000000000000000000000000000000000000000000000000000000000000","topic":"0x01020304"}],"cursor":null}"#,
        #"{"hashes":[{"sent":1,"hash":"0x00000000000000000000000000000000000000000000000000000000000000AA","topic":"0x01020304"}],"cursor":null}"#,
        #"{"hashes":[{"sent":4294967296,"hash":"0x0000000000000000000000000000000000000000000000000000000000000000","topic":"0x01020304"}],"cursor":null}"#,
        #"{"hashes":[],"cursor":null} "#,
        #"{"hashes":[],"cursor":null,"receipt":{"kind":1}}"#,
        #"{"hashes":[],"cursor":null,"extra":1}"#,
    ])
    func fastPathDeclines(body: String) {
        #expect(CanonicalHashesAnswer.read(Array(body.utf8)) == nil)
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
