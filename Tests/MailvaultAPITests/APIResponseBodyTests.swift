import Foundation
import MailvaultAPI
import MailvaultCore
import Testing

/// The hand-written JSON is read back with Foundation's parser, an implementation independent of
/// the writer.
@Suite("JSON answers")
struct APIResponseBodyTests {
    func parse(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func envelopePageCarriesEveryField() throws {
        let data: [UInt8] = (0..<300).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let envelope = Envelope(expiry: 1_700_000_050, ttl: 50, topic: Topic(0xde, 0xad, 0xbe, 0xef), data: data,
                                nonce: UInt64.max)
        let cursor = EnvelopeKey(sent: 1_700_000_000, hash: envelope.hash)
        let entry = HistoryEntry(key: cursor, topic: envelope.topic, envelope: envelope)
        let page = HistoryPage(entries: [entry, entry], next: cursor)
        let json = try parse(APIResponseBody.envelopes(page))
        let first = try #require((json["envelopes"] as? [[String: Any]])?.first)
        #expect(first["hash"] as? String == Hex.encode(envelope.hash.bytes, prefix: true))
        #expect(first["data"] as? String == Hex.encode(data, prefix: true))
        #expect(first["topic"] as? String == "0xdeadbeef")
        #expect((first["expiry"] as? NSNumber)?.uint32Value == 1_700_000_050)
        #expect((first["sent"] as? NSNumber)?.uint32Value == 1_700_000_000)
        #expect((first["ttl"] as? NSNumber)?.uint32Value == 50)
        #expect(json["cursor"] as? String == Hex.encode(cursor.bytes, prefix: true))
        // The nonce is read back exactly (JSONSerialization would round it through a Double).
        struct Nonce: Decodable { let envelopes: [Item]; struct Item: Decodable { let nonce: UInt64 } }
        let nonces = try JSONDecoder().decode(Nonce.self, from: Data(APIResponseBody.envelopes(page)))
        #expect(nonces.envelopes.map(\.nonce) == [.max, .max])
    }

    @Test func lastPageHasANullCursor() throws {
        let json = try parse(APIResponseBody.envelopes(HistoryPage(entries: [], next: nil)))
        #expect(json["cursor"] is NSNull)
        #expect((json["envelopes"] as? [Any])?.isEmpty == true)
    }

    @Test func ingestResultsInOrder() throws {
        let a = Hash256(bytes: [UInt8](repeating: 1, count: 32))!
        let outcomes = [IngestOutcome(hash: a, status: .stored), IngestOutcome(hash: a, status: .duplicate),
                        IngestOutcome(hash: a, status: .rejected, reason: .lowPoW(pow: 0.1, minimum: 0.2))]
        let results = try #require(try parse(APIResponseBody.ingest(outcomes))["results"] as? [[String: Any]])
        #expect(results.map { $0["status"] as? String } == ["stored", "duplicate", "rejected"])
        #expect(results[2]["reason"] as? String == "lowPoW")
        #expect(results[0]["reason"] == nil)
    }

    @Test func errorObjectEscapesItsText() throws {
        let error = APIError(status: 400, code: "x", message: "quote \" backslash \\ newline \n tab \t bell \u{7}",
                             parameter: "p", retryAfter: 3)
        let object = try #require(try parse(error.json)["error"] as? [String: Any])
        #expect(object["message"] as? String == error.message)
        #expect(object["parameter"] as? String == "p")
        #expect((object["retryAfter"] as? NSNumber)?.intValue == 3)
    }

    @Test func numbersAndHexAgreeWithTheStandardLibrary() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var buffer = JSONBuffer()
            let value = UInt64.random(in: 0...UInt64.max, using: &rng) >> UInt64.random(in: 0...63, using: &rng)
            let bytes = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            buffer.raw("[")
            buffer.number(value)
            buffer.raw(",")
            buffer.hex(bytes)
            buffer.raw(",")
            buffer.number(-Int(value >> 2))
            buffer.raw("]")
            let text = String(decoding: buffer.bytes, as: UTF8.self)
            #expect(text == "[\(value),\"0x\(bytes.map { String(format: "%02x", $0) }.joined())\",\(-Int(value >> 2))]")
        }
    }

    /// Every byte value, at every offset a 16-byte SIMD block and the table tail can put it.
    @Test func hexOfEveryByteAtEveryOffset() {
        let all = (0...255).map { UInt8($0) } + (0...255).map { UInt8(255 - $0) }
        let expected = all.map { String(format: "%02x", $0) }
        for start in 0..<17 {
            for end in [all.count - 17, all.count - 1, all.count] {
                var buffer = JSONBuffer()
                buffer.hex(all[start..<end])
                #expect(String(decoding: buffer.bytes, as: UTF8.self) == "\"0x" + expected[start..<end].joined() + "\"")
            }
        }
    }

    @Test func presenceAndHashes() throws {
        #expect(String(decoding: APIResponseBody.presence([true, false]), as: UTF8.self) == #"{"present":[true,false]}"#)
        let entry = HistoryEntry(key: EnvelopeKey(sent: 7, hash: Hash256(bytes: [UInt8](repeating: 2, count: 32))!), topic: Topic(1, 2, 3, 4))
        let json = try parse(APIResponseBody.hashes(HistoryPage(entries: [entry], next: nil)))
        let first = try #require((json["hashes"] as? [[String: Any]])?.first)
        #expect(first["topic"] as? String == "0x01020304")
        #expect((first["sent"] as? NSNumber)?.intValue == 7)
    }

    /// The directory is the signed documents side by side, read back by Foundation and by the
    /// client's parser; a list longer than the bound is refused.
    @Test func directoryListsDocumentsAsServed() throws {
        let document = Array(#"{"document":"{}","kind":"descriptor","signature":"0x00","signer":"0x01"}"#.utf8)
        let body = APIResponseBody.directory([document, document])
        let providers = try #require(try parse(body)["providers"] as? [[String: Any]])
        #expect(providers.count == 2 && providers[1]["signer"] as? String == "0x01")
        #expect(try AnswerBody.directory(body).map(\.kind) == ["descriptor", "descriptor"])
        #expect(try AnswerBody.directory(APIResponseBody.directory([])).isEmpty)
        let tooMany = APIResponseBody.directory(Array(repeating: document, count: AnswerBody.maximumDirectoryEntries + 1))
        #expect(throws: APIError.self) { try AnswerBody.directory(tooMany) }
        #expect(throws: APIError.self) { try AnswerBody.directory(Array(#"{"providers":[{"kind":"descriptor"}]}"#.utf8)) }
    }
}
