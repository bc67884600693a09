import Foundation
import MailvaultAPI
import MailvaultCore
import Testing

@Suite("Ingest and presence bodies")
struct IngestBodyTests {
    /// DESIGN.md's public vector: TTL 1, expiry 0, topic 0, data deadbeef, nonce 276.
    let vector = Envelope(expiry: 0, ttl: 1, topic: Topic(rawValue: 0), data: [0xde, 0xad, 0xbe, 0xef], nonce: 276)

    @Test func jsonBodyDecodesToTheSameEnvelope() throws {
        let body = #"{"envelopes":[{"expiry":0,"ttl":1,"topic":"0x00000000","data":"0xDEADbeef","nonce":276}]}"#
        let envelopes = try IngestBody.decode(Array(body.utf8), contentType: "application/json; charset=utf-8")
        #expect(envelopes == [vector])
        #expect(Hex.encode(envelopes[0].encoded) == "cf8001840000000084deadbeef820114")
    }

    @Test func largestIntegersAreAccepted() throws {
        let body = #"{"envelopes":[{"expiry":4294967295,"ttl":4294967295,"topic":"ffffffff","data":"","nonce":18446744073709551615}]}"#
        let envelope = try #require(try IngestBody.decodeJSON(Array(body.utf8)).first)
        #expect(envelope.expiry == .max && envelope.ttl == .max && envelope.nonce == .max && envelope.data.isEmpty)
    }

    @Test func rlpBodyIsTheMessagesPacket() throws {
        let packet = Envelope.encodePacket([vector, vector.withNonce(100_000)])
        let envelopes = try IngestBody.decode(packet, contentType: "Application/X-RLP")
        #expect(envelopes.count == 2 && envelopes[0] == vector)
    }

    @Test(arguments: [
        (#"{"envelopes":[{"expiry":"0","ttl":1,"topic":"0x00000000","data":"0x","nonce":1}]}"#, "envelopes[0].expiry"),
        (#"{"envelopes":[{"expiry":-1,"ttl":1,"topic":"0x00000000","data":"0x","nonce":1}]}"#, "envelopes[0].expiry"),
        (#"{"envelopes":[{"expiry":4294967296,"ttl":1,"topic":"0x00000000","data":"0x","nonce":1}]}"#, "envelopes[0].expiry"),
        (#"{"envelopes":[{"expiry":0,"ttl":1.5,"topic":"0x00000000","data":"0x","nonce":1}]}"#, "envelopes[0].ttl"),
        (#"{"envelopes":[{"expiry":0,"ttl":1,"topic":"0x000000","data":"0x","nonce":1}]}"#, "envelopes[0].topic"),
        (#"{"envelopes":[{"expiry":0,"ttl":1,"topic":"0x00000000","data":"0x0","nonce":1}]}"#, "envelopes[0].data"),
        (#"{"envelopes":[{"expiry":0,"ttl":1,"topic":"0x00000000","data":"xyz","nonce":1}]}"#, "envelopes[0].data"),
        (#"{"envelopes":[{"expiry":0,"ttl":1,"topic":"0x00000000","data":"0x"}]}"#, "envelopes[0].nonce"),
        (#"{"envelopes":[{"expiry":0,"ttl":1,"topic":"0x00000000","data":"0x","nonce":1,"pow":2}]}"#, "envelopes[0].pow"),
        (#"{"envelopes":[{"expiry":0,"ttl":1,"topic":"0x00000000","data":null,"nonce":1}]}"#, "envelopes[0].data"),
        (#"{"envelopes":{}}"#, "envelopes"),
        (#"{"envelope":[]}"#, "envelope"),
    ])
    func jsonRefusalsNameTheField(body: String, field: String) {
        #expect {
            _ = try IngestBody.decodeJSON(Array(body.utf8))
        } throws: { error in
            (error as? APIError).map { $0.status == 400 && $0.code == "malformedBody" && $0.parameter == field } ?? false
        }
    }

    @Test(arguments: ["", "{", "[]", "null", "{\"envelopes\":[1]}"])
    func notTheDocumentedShape(body: String) {
        #expect(throws: APIError.self) { try IngestBody.decodeJSON(Array(body.utf8)) }
    }

    @Test func malformedRLPNamesTheRule() {
        // A list whose only item is not an envelope (a string, not a list).
        #expect {
            _ = try IngestBody.decodeRLP([0xc2, 0x81, 0x80])
        } throws: { error in
            (error as? APIError).map { $0.code == "malformedRLP" && $0.status == 400 } ?? false
        }
        #expect(throws: APIError.self) { try IngestBody.decodeRLP(Envelope.encodePacket([vector]).dropLast() + []) }
    }

    @Test func otherMediaTypesAre415() {
        for type in [nil, "text/plain", "application/jsonx"] as [String?] {
            #expect {
                _ = try IngestBody.decode(Array("{}".utf8), contentType: type)
            } throws: { error in (error as? APIError)?.status == 415 }
        }
    }

    @Test func presenceBody() throws {
        let hash = String(repeating: "ab", count: 32)
        #expect(try PresenceBody.decode(Array(#"{"hashes":["0x\#(hash)"]}"#.utf8)) == [Hash256(bytes: [UInt8](repeating: 0xab, count: 32))])
        #expect(try PresenceBody.decode(Array(#"{"hashes":[]}"#.utf8)).isEmpty)
        #expect {
            _ = try PresenceBody.decode(Array(#"{"hashes":["0xabcd"]}"#.utf8))
        } throws: { error in (error as? APIError)?.parameter == "hashes[0]" }
        #expect(throws: APIError.self) { try PresenceBody.decode(Array(#"{"hashes":"x"}"#.utf8)) }
    }
}

@Suite("Content negotiation")
struct ContentNegotiationTests {
    @Test(arguments: [
        ("application/json", "application/json"),
        (" Application/JSON ; charset=utf-8", "application/json"),
        ("\tapplication/x-rlp;q=1", "application/x-rlp"),
        ("", ""),
        (";", ""),
        ("text/plain ", "text/plain"),
    ])
    func essenceIsTheLowercasedTypeBeforeParameters(value: String, expected: String) {
        #expect(ContentNegotiation.essence(of: value) == expected)
    }

    @Test func acceptListsAreSplitOnCommas() {
        #expect(ContentNegotiation.accepts("application/json, application/x-rlp;q=0.9", "application/x-rlp"))
        #expect(ContentNegotiation.accepts("APPLICATION/X-RLP", "application/x-rlp"))
        #expect(!ContentNegotiation.accepts("application/x-rlpx, */*", "application/x-rlp"))
        #expect(!ContentNegotiation.accepts(nil, "application/x-rlp"))
        #expect(ContentNegotiation.essence(of: nil) == nil)
    }
}
