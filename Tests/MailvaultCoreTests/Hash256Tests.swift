import MailvaultCore
import Testing

@Suite("Hash256")
struct Hash256Tests {
    @Test("bytes, hex and words agree")
    func roundTrip() throws {
        let bytes = (1...32).map { UInt8($0) }
        let hash = try #require(Hash256(bytes: bytes))
        #expect(hash.bytes == bytes)
        #expect(hash.w0 == 0x0102_0304_0506_0708)
        #expect(try Hash256(hex: hash.description) == hash)
        #expect(Hash256(bytes: bytes.dropLast()) == nil)
        #expect(throws: HexError.wrongLength(expected: 32, actual: 31)) { try Hash256(hex: Hex.encode(bytes.dropLast())) }
    }

    @Test("leading zero bits read the hash as a 256-bit big-endian number")
    func leadingZeros() throws {
        var bytes = [UInt8](repeating: 0, count: 32)
        #expect(try #require(Hash256(bytes: bytes)).leadingZeroBitCount == 256)
        for (index, value, expected) in [(0, 0x80, 0), (0, 0x01, 7), (8, 0x40, 65), (31, 0x01, 255), (20, 0xff, 160)] {
            bytes = [UInt8](repeating: 0, count: 32)
            bytes[index] = UInt8(value)
            #expect(try #require(Hash256(bytes: bytes)).leadingZeroBitCount == expected)
        }
    }

    @Test("ordering is byte-wise lexicographic")
    func ordering() throws {
        let low = try Hash256(hex: "00" + String(repeating: "ff", count: 31))
        let high = try Hash256(hex: "01" + String(repeating: "00", count: 31))
        #expect(low < high)
        #expect(!(high < low))
    }
}
