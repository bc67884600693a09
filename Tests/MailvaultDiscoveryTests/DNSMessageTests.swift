@testable import MailvaultDiscovery
import Testing

@Suite struct DNSMessageTests {
    static let name = "abc.example.org"

    /// An answer to query `id` for `question`, with `records` (owner, type, rdata) after it; the
    /// owner `nil` is a compression pointer to the question's name.
    static func answer(id: UInt16 = 0x1234, flags: UInt16 = 0x8180, question: String = name,
                       records: [(owner: [UInt8]?, type: UInt16, data: [UInt8])]) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), UInt8(flags >> 8), UInt8(flags & 0xFF), 0, 1,
                              0, UInt8(records.count), 0, 0, 0, 0]
        bytes += try! DNSMessage.encode(name: question)
        bytes += [0, 16, 0, 1]
        for record in records {
            bytes += record.owner ?? [0xC0, 12]
            bytes += [UInt8(record.type >> 8), UInt8(record.type & 0xFF), 0, 1, 0, 0, 0, 60,
                      UInt8(record.data.count >> 8), UInt8(record.data.count & 0xFF)]
            bytes += record.data
        }
        return bytes
    }

    static func txt(_ strings: String...) -> [UInt8] {
        strings.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) }
    }

    @Test func readsTXTRecordsJoiningTheirStrings() throws {
        let message = Self.answer(records: [
            (nil, 16, Self.txt("enrtree-", "branch:")),
            (nil, 1, [127, 0, 0, 1]),  // an A record: ignored
            (try DNSMessage.encode(name: "other.example.org"), 16, Self.txt("not ours")),  // another owner: ignored
            (try DNSMessage.encode(name: "ABC.Example.ORG"), 16, Self.txt("")),  // names compare case-insensitively
        ])
        let answer = try DNSMessage.parse(message, id: 0x1234, name: Self.name)
        #expect(answer == DNSMessage.Answer(truncated: false, texts: ["enrtree-branch:", ""]))
        let truncated = try DNSMessage.parse(Self.answer(flags: 0x8380, records: []), id: 0x1234, name: Self.name)
        #expect(truncated.truncated)
    }

    @Test func writesTheQuery() throws {
        let query = try DNSMessage.query(id: 0xBEEF, name: "a.bc")
        #expect(query == [0xBE, 0xEF, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
                          1, 0x61, 2, 0x62, 0x63, 0, 0, 16, 0, 1,
                          0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0])
        for bad in ["", ".", "a..b", String(repeating: "a", count: 64) + ".org", String(repeating: "abcdefg.", count: 32) + "org"] {
            #expect(throws: DNSError.invalidName(bad), "\(bad)") { try DNSMessage.query(id: 1, name: bad) }
        }
    }

    @Test func refusesEveryMalformedAnswer() {
        let good = Self.answer(records: [(nil, 16, Self.txt("hi"))])
        var loop = good
        loop.replaceSubrange(12..<13, with: [0xC0, 12])  // the question's name points at itself
        let cases: [(String, [UInt8], DNSError)] = [
            ("short header", Array(good[0..<11]), .malformedResponse("shorter than a header")),
            ("other id", Self.answer(id: 0x4321, records: []), .malformedResponse("answer id 17185 for query id 4660")),
            ("a query, not an answer", Self.answer(flags: 0x0100, records: []), .malformedResponse("not an answer to a query")),
            ("another question", Self.answer(question: "abd.example.org", records: []),
             .malformedResponse("the answer is for another question (abd.example.org)")),
            ("truncated record", Array(good.dropLast()), .malformedResponse("a field runs past the message")),
            ("string past its record", Self.answer(records: [(nil, 16, [5, 0x61])]), .malformedResponse("a TXT string runs past its record")),
            ("not UTF-8", Self.answer(records: [(nil, 16, [2, 0xFF, 0xFE])]), .malformedResponse("a TXT record is not UTF-8")),
            ("pointer loop", loop, .malformedResponse("a name pointer loop")),
            ("label past the message", Array(good[0..<14]), .malformedResponse("a label runs past the message")),
            ("NXDOMAIN", Self.answer(flags: 0x8183, records: []), .nameNotFound(Self.name)),
            ("SERVFAIL", Self.answer(flags: 0x8182, records: []), .serverFailure(name: Self.name, rcode: 2)),
        ]
        for (label, message, expected) in cases {
            #expect(throws: expected, "\(label)") { try DNSMessage.parse(message, id: 0x1234, name: Self.name) }
        }
    }
}
