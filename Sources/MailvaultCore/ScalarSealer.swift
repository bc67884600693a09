/// A plain, single-threaded nonce search: absorbs the fixed prefix once and then pays one
/// final-block permutation per nonce. The reference the fast engine is checked against.
public struct ScalarSealer: EnvelopeSealer {
    /// Nonces tried between looks at the clock and at cancellation.
    static let checkInterval: UInt64 = 1024

    public init() {}

    public func seal(_ request: SealRequest) async throws(SealError) -> SealResult {
        let prefix = request.rlpWithoutNonce
        let required = try request.requiredLeadingZeros(rlpWithoutNonceLength: prefix.count)
        var midstate = Keccak256()
        midstate.update(prefix)

        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start.advanced(by: request.workTime)
        var nonce: UInt64 = 0
        var attempts: UInt64 = 0
        var best: (nonce: UInt64, zeros: Int) = (0, -1)
        search: while true {
            for _ in 0..<ScalarSealer.checkInterval {
                let zeros = ProofOfWork.finishHash(midstate, nonce: nonce).leadingZeroBitCount
                attempts &+= 1
                if zeros > best.zeros {
                    best = (nonce, zeros)
                    if let required, zeros >= required { break search }
                }
                nonce &+= 1
            }
            if Task.isCancelled { throw .cancelled }
            if clock.now >= deadline { break }
            // Let other tasks (among them whoever may cancel this one) run on the cooperative pool.
            await Task.yield()
        }
        let seconds = Double(clock.now - start)
        return try request.result(nonce: best.nonce, leadingZeros: best.zeros, required: required,
                                   rlpWithoutNonceLength: prefix.count, attempts: attempts, seconds: seconds)
    }
}

extension Double {
    /// A duration in seconds.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = Double(seconds) + Double(attoseconds) / 1e18
    }
}
