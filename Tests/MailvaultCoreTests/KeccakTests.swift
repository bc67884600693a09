import MailvaultCore
import Testing

@Suite("Keccak-256")
struct KeccakTests {
    @Test("public vectors from DESIGN.md")
    func publicVectors() {
        #expect(Keccak256.hash([UInt8]()).description
            == "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        #expect(Keccak256.hash(Array("abc".utf8)).description
            == "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
    }

    @Test("matches the independent implementation at every length class")
    func generatedVectors() throws {
        let vectors = try Vectors.keccak()
        #expect(vectors.count >= 25)
        for vector in vectors {
            #expect(Keccak256.hash(vector.input).description == "0x" + vector.hash,
                    "length \(vector.input.count)")
        }
    }

    @Test("incremental updates in any split agree with one-shot hashing")
    func incremental() throws {
        let message = Vectors.pattern(seed: 3, length: 1000)
        let expected = Keccak256.hash(message)
        for chunk in [1, 7, 8, 135, 136, 137, 500] {
            var hasher = Keccak256()
            var offset = 0
            while offset < message.count {
                let end = min(offset + chunk, message.count)
                hasher.update(message[offset..<end])
                offset = end
            }
            #expect(hasher.finalize() == expected, "chunk \(chunk)")
        }
    }

    @Test("finalize leaves the hasher usable as a midstate")
    func finalizeIsNonDestructive() {
        var hasher = Keccak256()
        hasher.update(Array("ab".utf8))
        let first = hasher.finalize()
        #expect(first == Keccak256.hash(Array("ab".utf8)))
        hasher.update(Array("c".utf8))
        #expect(hasher.finalize() == Keccak256.hash(Array("abc".utf8)))
    }

    @Test("non-contiguous collections hash like arrays")
    func nonContiguous() {
        let bytes = (0..<300).lazy.map { UInt8(truncatingIfNeeded: $0 * 7) }
        #expect(Keccak256.hash(bytes) == Keccak256.hash(Array(bytes)))
    }
}
