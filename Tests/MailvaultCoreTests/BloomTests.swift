import MailvaultBench
import MailvaultCore
import Testing

@Suite("Bloom")
struct BloomTests {
    @Test("public vector: topic 0000ff06")
    func publicVector() throws {
        var expected = [UInt8](repeating: 0, count: 64)
        expected[0] = 0x01
        expected[32] = 0x01
        expected[63] = 0x80
        #expect(Topic(0x00, 0x00, 0xff, 0x06).bloom.bytes == expected)
    }

    @Test("two indices in one byte: the byte is assigned, so only the last survives")
    func collision() {
        // Indices 1 and 2 both land in byte 0; index 3 too. go-ethereum keeps only index 3.
        let bloom = Topic(1, 2, 3, 0).bloom.bytes
        #expect(bloom[0] == 0x08)
        #expect(bloom.dropFirst().allSatisfy { $0 == 0 })
        // With OR semantics the byte would be 0x0e; the first two bits are gone.
        let twoInOne = Topic(0x10, 0x11, 0x40, 0).bloom.bytes
        #expect(twoInOne[2] == 0x02)
        #expect(twoInOne[8] == 0x01)
    }

    @Test("matches the independent implementation")
    func generated() throws {
        let vectors = try Vectors.blooms()
        #expect(vectors.topics.count >= 5)
        for vector in vectors.topics {
            #expect(try Topic(hex: vector.topic).bloom.description == "0x" + vector.bloom, "\(vector.topic)")
        }
        for vector in vectors.matches {
            let filter = try Bloom(hex: vector.filter)
            let sample = try Bloom(hex: vector.sample)
            #expect(filter.matches(sample) == vector.match)
        }
        for vector in vectors.unions {
            let topics = try vector.topics.map { try Topic(hex: $0) }
            #expect(Bloom(topics: topics).description == "0x" + vector.bloom)
        }
    }

    @Test("full and nil filters match everything; the empty filter matches nothing")
    func fullNode() {
        let sample = Topic(9, 8, 7, 6).bloom
        #expect(Bloom.full.matches(sample))
        #expect(Bloom.full.isFull)
        #expect(Optional<Bloom>.none.matches(sample))
        #expect(!Bloom.empty.matches(sample))
        #expect(Bloom.empty.matches(.empty))
    }

    @Test("a union matches each of its topics and not others")
    func union() {
        let a = Topic(1, 2, 3, 4), b = Topic(200, 100, 50, 7), c = Topic(0x55, 0x66, 0x77, 0)
        var filter = Bloom(topics: [a, b])
        #expect(filter.matches(a.bloom))
        #expect(filter.matches(b.bloom))
        #expect(!filter.matches(c.bloom))
        filter.formUnion(c.bloom)
        #expect(filter.matches(c.bloom))
        #expect(filter == a.bloom.union(b.bloom).union(c.bloom))
    }

    @Test("bit positions: contains(bit:) and setBits read the wire bytes; a topic's last index is always set")
    func bitPositions() throws {
        // The public vector: indices 0, 256 and 511; 511 is written last.
        let vector = Topic(0x00, 0x00, 0xff, 0x06)
        #expect(vector.bloom.setBits == [0, 256, 511])
        #expect(Bloom.lastIndex(of: vector) == 511)
        // Indices 1, 2 and 3 share byte 0: only the last, 3, survives.
        #expect(Topic(1, 2, 3, 0).bloom.setBits == [3])
        #expect(Bloom.lastIndex(of: Topic(1, 2, 3, 0)) == 3)
        let bytes = (0..<64).map { UInt8($0 * 37 & 0xFF) }
        let bloom = try #require(Bloom(bytes: bytes))
        let fromBytes = (0..<512).filter { bytes[$0 / 8] & (1 << UInt8($0 % 8)) != 0 }
        #expect(bloom.setBits == fromBytes)
        #expect((0..<512).filter { bloom.contains(bit: $0) } == fromBytes)
        #expect(Bloom.empty.setBits.isEmpty)
        #expect(Bloom.full.setBits == Array(0..<512))
        var random = SplitMix64(seed: 11)
        for _ in 0..<2000 {
            let topic = Topic(rawValue: UInt32(truncatingIfNeeded: random.next()))
            #expect(topic.bloom.contains(bit: Bloom.lastIndex(of: topic)), "\(topic)")
        }
    }

    @Test("bytes and hex round-trip; wrong lengths are refused")
    func wire() throws {
        let bytes = (0..<64).map { UInt8($0 * 3 & 0xFF) }
        let bloom = try #require(Bloom(bytes: bytes))
        #expect(bloom.bytes == bytes)
        #expect(try Bloom(hex: bloom.description) == bloom)
        #expect(Bloom(bytes: bytes.dropLast()) == nil)
        #expect(throws: HexError.wrongLength(expected: 64, actual: 2)) { try Bloom(hex: "abcd") }
    }
}
