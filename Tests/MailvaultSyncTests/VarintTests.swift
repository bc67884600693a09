import MailvaultCore
import MailvaultSync
import Testing

@Suite("Varint")
struct VarintTests {
    @Test("encodings agree with the Python encoder and decode back")
    func vectors() throws {
        for vector in try SyncVectors.load().varints {
            let value = try #require(UInt64(vector.value))
            #expect(Hex.encode(Varint.encode(value)) == vector.hex)
            var offset = 0
            let bytes = try Hex.decode(vector.hex)
            #expect(try Varint.decode(bytes, at: &offset) == value)
            #expect(offset == bytes.count)
        }
    }

    @Test("malformed varints", arguments: [
        ("", Varint.Failure.truncated),
        ("80", .nonMinimal),
        ("8001", .nonMinimal),
        ("81", .truncated),
        ("ffffffffffffffffff", .truncated),
        ("82808080808080808000", .overflow), // 2^64
        ("ffffffffffffffffffff7f", .overflow),
    ])
    func malformed(hex: String, failure: Varint.Failure) throws {
        var offset = 0
        let bytes = try Hex.decode(hex)
        #expect(throws: failure) { try Varint.decode(bytes, at: &offset) }
        #expect(offset == 0)
    }

    @Test("the largest value takes ten bytes")
    func largest() throws {
        #expect(Hex.encode(Varint.encode(.max)) == "81ffffffffffffffff7f")
    }
}
