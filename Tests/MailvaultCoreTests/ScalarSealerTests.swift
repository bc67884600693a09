import MailvaultCore
import Testing

@Suite("Scalar sealer")
struct ScalarSealerTests {
    /// The work time is generous: it is wall-clock time, and on a loaded 2-core machine the
    /// sealer's task (which yields every 1024 attempts) can wait long for a thread.
    static func request(pow: Double, workTime: Duration = .seconds(600), dataLength: Int = 64) -> SealRequest {
        SealRequest(expiry: 1_700_000_050, ttl: 50, topic: Topic(1, 2, 3, 4),
                    data: (0..<dataLength).map { UInt8(truncatingIfNeeded: $0 * 13) }, goal: .pow(pow), workTime: workTime)
    }

    @Test("reaches the target and the envelope verifies", arguments: [0.002, 0.2, 2.0])
    func reachesTarget(pow: Double) async throws {
        let request = Self.request(pow: pow)
        let result = try await ScalarSealer().seal(request)
        let decoded = try Envelope(decoding: Array(result.envelope.encoded))
        #expect(decoded.pow() >= pow)
        #expect(decoded.pow() == result.pow)
        #expect(Array(decoded.data) == request.data)
        #expect(decoded.expiry == request.expiry && decoded.ttl == request.ttl && decoded.topic == request.topic)
        #expect(result.attempts == result.envelope.nonce + 1)
        #expect(try IngestPolicy(minimumPoW: pow).check(decoded, now: 1_700_000_000).get() >= pow)
    }

    @Test("the first nonce that reaches the target is returned")
    func firstNonce() async throws {
        let request = Self.request(pow: 1.0)
        let result = try await ScalarSealer().seal(request)
        let prefix = request.rlpWithoutNonce
        for nonce in 0..<result.envelope.nonce {
            let zeros = ProofOfWork.hash(rlpWithoutNonce: prefix, nonce: nonce).leadingZeroBitCount
            #expect(ProofOfWork.value(leadingZeros: zeros, rlpWithoutNonceLength: prefix.count, ttl: 50) < 1.0)
        }
    }

    @Test("an unreachable target within the work time fails with the best found")
    func timesOut() async {
        await #expect {
            try await ScalarSealer().seal(Self.request(pow: 1e12, workTime: .milliseconds(50)))
        } throws: { error in
            guard case SealError.targetNotReached(let best, let attempts) = error else { return false }
            return best < 1e12 && attempts > 0
        }
    }

    @Test("impossible and malformed requests are refused before searching")
    func refused() async {
        await #expect(throws: SealError.targetUnreachable(1e90)) { try await ScalarSealer().seal(Self.request(pow: 1e90)) }
        await #expect(throws: SealError.invalidTarget(-1)) { try await ScalarSealer().seal(Self.request(pow: -1)) }
        var zeroTTL = Self.request(pow: 1)
        zeroTTL.ttl = 0
        await #expect(throws: SealError.zeroTTL) { try await ScalarSealer().seal(zeroTTL) }
    }

    @Test("maximize searches for the whole budget and keeps the best nonce")
    func maximize() async throws {
        var request = Self.request(pow: 0, workTime: .milliseconds(100))
        request.goal = .maximize
        let result = try await ScalarSealer().seal(request)
        #expect(result.attempts > 1000)
        #expect(result.envelope.pow() == result.pow)
        #expect(result.seconds >= 0.1)
    }

    @Test("cancellation stops the search")
    func cancellation() async {
        let task = Task { try await ScalarSealer().seal(Self.request(pow: 1e12, workTime: .seconds(60))) }
        try? await Task.sleep(for: .milliseconds(20))
        task.cancel()
        await #expect(throws: SealError.cancelled) { try await task.value }
    }
}
