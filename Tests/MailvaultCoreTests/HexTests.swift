import MailvaultCore
import Testing

@Suite("Hex")
struct HexTests {
    @Test("decodes with or without 0x, in either case")
    func decode() throws {
        #expect(try Hex.decode("0xDeadBeef") == [0xde, 0xad, 0xbe, 0xef])
        #expect(try Hex.decode("deadbeef") == [0xde, 0xad, 0xbe, 0xef])
        #expect(try Hex.decode("0x") == [])
        #expect(try Hex.decode("") == [])
    }

    @Test("refuses odd lengths and non-hex characters", arguments: [
        ("0xabc", HexError.oddLength),
        ("zz", HexError.invalidCharacter(offset: 0)),
        ("0x12g4", HexError.invalidCharacter(offset: 2)),
        ("0x 12", HexError.oddLength),
    ])
    func refuse(input: String, error: HexError) {
        #expect(throws: error) { try Hex.decode(input) }
    }

    @Test("encodes lowercase")
    func encode() {
        #expect(Hex.encode([0x00, 0xAB, 0xff]) == "00abff")
        #expect(Hex.encode([UInt8](), prefix: true) == "0x")
    }
}
