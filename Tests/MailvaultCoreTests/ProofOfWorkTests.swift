import MailvaultCore
import Testing

@Suite("Proof of work")
struct ProofOfWorkTests {
    @Test("pow with the diff adjustment matches the independent implementation")
    func diff() throws {
        let vectors = try Vectors.powDiff()
        #expect(!vectors.isEmpty)
        for vector in vectors {
            let pow = ProofOfWork.value(leadingZeros: vector.leadingZeros, rlpWithoutNonceLength: vector.rlpWithoutNonceLength,
                                        ttl: vector.ttl, diff: vector.diff)
            #expect(pow == vector.pow)
        }
    }

    @Test("target bits are go-ethereum's powToFirstBit")
    func targetBits() throws {
        let vectors = try Vectors.targetBits()
        #expect(vectors.count >= 10)
        for vector in vectors {
            #expect(ProofOfWork.targetBits(pow: vector.pow, dataLength: vector.dataLength, ttl: vector.ttl) == vector.bits,
                    "pow \(vector.pow) data \(vector.dataLength) ttl \(vector.ttl)")
        }
    }

    @Test("required leading zeros is the least number of bits that reaches the PoW")
    func requiredLeadingZeros() throws {
        for (pow, length, ttl) in [(0.2, 13, UInt32(50)), (19.692307692307693, 13, 1), (0.000002, 1100, 604_800), (1000.0, 70_000, 3600)] {
            let bits = try #require(ProofOfWork.requiredLeadingZeros(pow: pow, rlpWithoutNonceLength: length, ttl: ttl))
            #expect(ProofOfWork.value(leadingZeros: bits, rlpWithoutNonceLength: length, ttl: ttl) >= pow)
            if bits > 0 {
                #expect(ProofOfWork.value(leadingZeros: bits - 1, rlpWithoutNonceLength: length, ttl: ttl) < pow)
            }
        }
        #expect(ProofOfWork.requiredLeadingZeros(pow: 1e80, rlpWithoutNonceLength: 100, ttl: 100) == nil)
    }

    @Test("the midstate finish equals hashing the whole buffer")
    func midstate() {
        let prefix = Vectors.pattern(seed: 1, length: 300)
        var midstate = Keccak256()
        midstate.update(prefix)
        for nonce: UInt64 in [0, 1, 0x0102_0304_0506_0708, .max] {
            var whole = prefix
            withUnsafeBytes(of: nonce.bigEndian) { whole += $0 }
            #expect(ProofOfWork.finishHash(midstate, nonce: nonce) == Keccak256.hash(whole))
            #expect(ProofOfWork.hash(rlpWithoutNonce: prefix, nonce: nonce) == Keccak256.hash(whole))
        }
    }
}
