import MailvaultBench
import MailvaultCore
import Testing

@Suite("RLP")
struct RLPTests {
    /// One row per decoder rule: the input, and the error the strict generic decoder gives.
    static let refused: [(String, RLPError)] = [
        ("", .lengthBeyondInput),
        ("81", .lengthBeyondInput),
        ("8105", .nonCanonicalSize),
        ("817f", .nonCanonicalSize),
        ("b800", .nonCanonicalSize),
        ("b837" + String(repeating: "00", count: 55), .nonCanonicalSize),
        ("b90040" + String(repeating: "00", count: 64), .nonCanonicalSize),
        ("f800", .nonCanonicalSize),
        ("f90001c0", .nonCanonicalSize),
        ("83aabb", .lengthBeyondInput),
        ("b8", .lengthBeyondInput),
        ("b9ff", .lengthBeyondInput),
        ("bfffffffffffffffff", .lengthBeyondInput),
        ("bf7fffffffffffffff", .lengthBeyondInput),
        ("ffffffffffffffffff", .lengthBeyondInput),
        ("c2c28001", .lengthBeyondInput),
        ("c1", .lengthBeyondInput),
        ("8001", .trailingBytes),
        ("c0c0", .trailingBytes),
    ]

    @Test("every decoder rule has a named error", arguments: refused)
    func refusesNonCanonical(hex: String, error: RLPError) throws {
        let bytes = try Hex.decode(hex)
        #expect(throws: error) { try RLPValue(decoding: bytes) }
    }

    /// Integer rules apply when a string is read as a typed integer.
    static let integers: [(String, Result<UInt32, RLPError>)] = [
        ("80", .success(0)),
        ("00", .failure(.nonCanonicalInteger)),
        ("01", .success(1)),
        ("7f", .success(0x7f)),
        ("8180", .success(0x80)),
        ("820001", .failure(.leadingZeros)),
        ("8400000001", .failure(.leadingZeros)),
        ("84ffffffff", .success(.max)),
        ("850100000000", .failure(.valueTooLarge)),
        ("c0", .failure(.expectedString)),
    ]

    @Test("typed integers are canonical and fit their type", arguments: integers)
    func integer(hex: String, expected: Result<UInt32, RLPError>) throws {
        let bytes = try Hex.decode(hex)
        let decoded = Result { () throws(RLPError) in try RLP.splitUInt(bytes[...], as: UInt32.self).value }
        #expect(decoded == expected)
    }

    @Test("splitting returns slices of the input, not copies")
    func zeroCopy() throws {
        let bytes = try Hex.decode("c88363617483646f67")
        let (items, rest) = try RLP.splitList(bytes[...])
        #expect(rest.isEmpty)
        let (cat, afterCat) = try RLP.splitString(items)
        #expect(Array(cat) == Array("cat".utf8))
        #expect(cat.startIndex == 2)
        let (dog, end) = try RLP.splitString(afterCat)
        #expect(Array(dog) == Array("dog".utf8))
        #expect(end.isEmpty)
        #expect(try RLP.count(items) == 2)
        bytes.withUnsafeBufferPointer { buffer in
            cat.withUnsafeBufferPointer { slice in
                #expect(slice.baseAddress == buffer.baseAddress! + 2)
            }
        }
    }

    @Test("ethereum/tests rlptest.json: encoding matches and decoding round-trips")
    func ethereumValid() throws {
        let suite = try Vectors.rlpSuite()
        #expect(suite.valid.count > 20)
        for vector in suite.valid {
            let out = try Hex.decode(vector.out)
            #expect(vector.value.encoded == out, "\(vector.name)")
            #expect(try RLPValue(decoding: out) == vector.value, "\(vector.name)")
        }
    }

    @Test("ethereum/tests invalidRLPTest.json: every case is refused")
    func ethereumInvalid() throws {
        let suite = try Vectors.rlpSuite()
        #expect(suite.invalid.count > 10)
        for vector in suite.invalid {
            let bytes = try Hex.decode(vector.out)
            #expect(throws: RLPError.self, "\(vector.name)") { try RLPValue(decoding: bytes) }
        }
    }

    @Test("random trees round-trip through encode and strict decode")
    func roundTrip() throws {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<500 {
            let value = RLPValue.random(using: &generator, depth: 0)
            let encoded = value.encoded
            #expect(try RLPValue(decoding: encoded) == value)
        }
    }

    @Test("deep nesting is refused, not a stack overflow")
    func nesting() {
        var value = RLPValue.list([])
        for _ in 0..<(RLPValue.maximumDepth + 10) { value = .list([value]) }
        let encoded = value.encoded
        #expect(throws: RLPError.nestingTooDeep) { try RLPValue(decoding: encoded) }
    }

    @Test("writer produces canonical integers and headers", arguments: [
        (UInt64(0), "80"), (1, "01"), (0x7f, "7f"), (0x80, "8180"), (0x100, "820100"),
        (0xffff_ffff, "84ffffffff"), (.max, "88ffffffffffffffff"),
    ])
    func writerIntegers(value: UInt64, hex: String) {
        var writer = RLPWriter()
        writer.append(uint: value)
        #expect(Hex.encode(writer.bytes) == hex)
        #expect(RLPWriter.encodedLength(uint: value) == hex.count / 2)
    }

    @Test("writer switches to long form at 56 bytes")
    func writerLongForm() {
        for length in [0, 1, 55, 56, 255, 256, 65536] {
            var writer = RLPWriter()
            let payload = [UInt8](repeating: 0xAA, count: length)
            writer.append(string: payload)
            #expect(writer.bytes.count == RLPWriter.encodedLength(string: payload))
            let expectedHeader: [UInt8] = switch length {
            case 1: []
            case 0..<56: [0x80 + UInt8(length)]
            case 56...255: [0xB8, UInt8(length)]
            case 256...65535: [0xB9, UInt8(length >> 8), UInt8(length & 0xFF)]
            default: [0xBA, UInt8(length >> 16), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
            }
            #expect(Array(writer.bytes.prefix(expectedHeader.count)) == expectedHeader, "length \(length)")
        }
    }
}

extension RLPValue {
    static func random(using generator: inout SplitMix64, depth: Int) -> RLPValue {
        if depth < 4, generator.next() % 3 == 0 {
            let count = Int(generator.next() % 6)
            return .list((0..<count).map { _ in random(using: &generator, depth: depth + 1) })
        }
        let lengths = [0, 1, 1, 2, 55, 56, 57, 300]
        let length = lengths[Int(generator.next() % UInt64(lengths.count))]
        return .bytes((0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
    }
}
