import MailvaultCore
import Testing

@Suite("Lane sealer")
struct LaneSealerTests {
    struct SealVector: Decodable {
        let expiry: UInt32
        let ttl: UInt32
        let topic: String
        let dataPattern: Vectors.Pattern
        let tail: Int
        let pow: Double
        let nonce: UInt64
        let envelope: String

        var request: SealRequest {
            get throws {
                SealRequest(expiry: expiry, ttl: ttl, topic: try Topic(hex: topic), data: dataPattern.bytes,
                            goal: .pow(pow), workTime: .seconds(60))
            }
        }
    }

    static let vectors: [SealVector] = (try? Vectors.load("seal", as: [SealVector].self)) ?? []

    @Test("one thread finds the independent implementation's first nonce, wherever the nonce sits in the block",
          arguments: KeccakKernel.available)
    func firstNonce(kernel: KeccakKernel) async throws {
        #expect(Self.vectors.count == 10)
        #expect(Set(Self.vectors.map(\.tail)).isSuperset(of: [0, 127, 128, 129, 135]))
        for vector in Self.vectors {
            let result = try await LaneSealer(threads: 1, kernel: kernel).seal(try vector.request)
            #expect(result.envelope.nonce == vector.nonce, "tail \(vector.tail)")
            #expect(Hex.encode(result.envelope.encoded) == vector.envelope)
            #expect(result.attempts >= vector.nonce + 1)
        }
    }

    @Test("the scalar sealer finds the same first nonces")
    func scalarAgrees() async throws {
        for vector in Self.vectors {
            let result = try await ScalarSealer().seal(try vector.request)
            #expect(result.envelope.nonce == vector.nonce, "tail \(vector.tail)")
        }
    }

    @Test("several threads reach the target with an envelope that verifies", arguments: [2, 3, 8])
    func threads(count: Int) async throws {
        for vector in Self.vectors.prefix(4) {
            let request = try vector.request
            let result = try await LaneSealer(threads: count).seal(request)
            let decoded = try Envelope(decoding: Array(result.envelope.encoded))
            #expect(decoded.pow() >= vector.pow)
            #expect(decoded.pow() == result.pow)
            #expect(decoded.checkWork() == Envelope.checkWork(batch: [decoded], kernel: .scalar)[0])
            #expect(Array(decoded.data) == request.data)
        }
    }

    @Test("time budget, maximize and cancellation behave as for the scalar sealer")
    func limits() async throws {
        let base = try #require(Self.vectors.first).request
        var impossible = base
        impossible.goal = .pow(1e15)
        impossible.workTime = .milliseconds(100)
        await #expect {
            try await LaneSealer(threads: 2).seal(impossible)
        } throws: { error in
            guard case SealError.targetNotReached(_, let attempts) = error else { return false }
            return attempts > 1000
        }

        var maximize = base
        maximize.goal = .maximize
        maximize.workTime = .milliseconds(100)
        let best = try await LaneSealer(threads: 2).seal(maximize)
        #expect(best.envelope.pow() == best.pow)
        #expect(best.attempts > 1000)

        var long = base
        long.goal = .pow(1e15)
        long.workTime = .seconds(60)
        let task = Task { try await LaneSealer(threads: 2).seal(long) }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        await #expect(throws: SealError.cancelled) { try await task.value }

        var zeroTTL = base
        zeroTTL.ttl = 0
        await #expect(throws: SealError.zeroTTL) { try await LaneSealer(threads: 1).seal(zeroTTL) }
    }
}
