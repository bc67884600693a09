import MailvaultBench
import MailvaultCore
import Testing

@Suite("Keccak kernels")
struct KeccakKernelTests {
    @Test("the scalar kernel is always available and best is the widest")
    func availability() {
        #expect(KeccakKernel.available.first == .scalar)
        #expect(KeccakKernel.best.lanes == KeccakKernel.available.map(\.lanes).max())
        #expect(KeccakKernel.bestSingle.lanes == 1)
        #expect(KeccakKernel(.scalar) == .scalar)
    }

    @Test("every kernel permutes each lane exactly as the scalar permutation does",
          arguments: KeccakKernel.available)
    func permutationAgrees(kernel: KeccakKernel) {
        var generator = SplitMix64(seed: UInt64(kernel.lanes) * 1000 + 17)
        let lanes = kernel.lanes
        for _ in 0..<20 {
            var interleaved = (0..<(25 * lanes)).map { _ in generator.next() }
            var expected: [[UInt64]] = (0..<lanes).map { lane in (0..<25).map { interleaved[$0 * lanes + lane] } }
            for lane in 0..<lanes {
                expected[lane].withUnsafeMutableBufferPointer { KeccakState.permute($0) }
            }
            interleaved.withUnsafeMutableBufferPointer { kernel.permute($0.baseAddress!) }
            for lane in 0..<lanes {
                #expect((0..<25).map { interleaved[$0 * lanes + lane] } == expected[lane], "lane \(lane)")
            }
        }
    }

    @Test("one-lane kernels hash every length like the scalar sponge",
          arguments: KeccakKernel.available.filter { $0.lanes == 1 })
    func singleStream(kernel: KeccakKernel) throws {
        for length in Array(0...300) + [407, 408, 409, 1024, 16 * 1024, 70_001] {
            let message = Vectors.pattern(seed: length, length: length)
            var scalar = Keccak256(kernel: .scalar)
            scalar.update(message)
            var other = Keccak256(kernel: kernel)
            other.update(message)
            #expect(other.finalize() == scalar.finalize(), "length \(length)")
        }
        for vector in try Vectors.keccak() {
            var hasher = Keccak256(kernel: kernel)
            hasher.update(vector.input)
            #expect(hasher.finalize().description == "0x" + vector.hash)
        }
    }

    @Test("batch hashing in lanes equals one-by-one hashing, for mixed lengths",
          arguments: KeccakKernel.available)
    func batchAgrees(kernel: KeccakKernel) {
        var generator = SplitMix64(seed: 99)
        let lengths = [0, 1, 135, 136, 137, 271, 272, 273, 5000, 64, 0, 3, 1024, 136 * 7, 20_000]
            + (0..<40).map { _ in Int(generator.next() % 2000) }
        let messages = lengths.enumerated().map { Vectors.pattern(seed: $0.offset, length: $0.element) }
        let expected = messages.map { message in
            var hasher = Keccak256(kernel: .scalar)
            hasher.update(message)
            return hasher.finalize()
        }
        let hashes = withBuffers(messages) { Keccak256.hash(batch: $0, kernel: kernel) }
        #expect(hashes == expected)
        #expect(Keccak256.hash(batch: [], kernel: kernel).isEmpty)
        let one = withBuffers([messages[2]]) { Keccak256.hash(batch: $0, kernel: kernel) }
        #expect(one == [expected[2]])
    }

    /// Calls `body` with stable pointers to every message.
    func withBuffers<R>(_ messages: [[UInt8]], _ body: ([UnsafeRawBufferPointer]) -> R) -> R {
        let arena = messages.flatMap { $0 }
        var ranges: [Range<Int>] = []
        var offset = 0
        for message in messages {
            ranges.append(offset..<(offset + message.count))
            offset += message.count
        }
        return arena.withUnsafeBytes { base in body(ranges.map { UnsafeRawBufferPointer(rebasing: base[$0]) }) }
    }
}
