import Synchronization

/// The fast sealer: midstate hashing, several nonces per SIMD step, and one search per thread.
///
/// Thread `t` of `n` tries, at its step `k`, the nonces `(k * n + t) * lanes ..< +lanes`, so the
/// threads together sweep the nonces upward from 0. It stops at the first nonce that reaches the
/// target (with one thread this is the smallest such nonce, the one `ScalarSealer` finds), at
/// the time budget, or when its task is cancelled.
///
/// Each thread is a child task doing CPU-bound work. It yields to the cooperative pool between
/// check intervals (a fraction of a millisecond), so other tasks, including the one that wants to
/// cancel the search, keep running even when `threads` equals the core count.
public struct LaneSealer: EnvelopeSealer {
    /// Concurrent searches.
    public let threads: Int
    /// The permutation kernel each search uses.
    public let kernel: KeccakKernel

    /// Steps between looks at the clock, at cancellation and at the other threads.
    static let checkInterval = 256

    /// A sealer with `threads` searches (at least 1) on `kernel`.
    public init(threads: Int, kernel: KeccakKernel = .best) {
        self.threads = max(1, threads)
        self.kernel = kernel
    }

    public func seal(_ request: SealRequest) async throws(SealError) -> SealResult {
        let prefix = request.rlpWithoutNonce
        let required = try request.requiredLeadingZeros(rlpWithoutNonceLength: prefix.count)
        let search = NonceSearch(rlpWithoutNonce: prefix)
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start.advanced(by: request.workTime)
        let found = Found()
        let (threads, kernel) = (self.threads, self.kernel)

        let outcomes = await withTaskGroup(of: Outcome.self) { group in
            for thread in 0..<threads {
                group.addTask {
                    await LaneSealer.run(search, thread: thread, of: threads, kernel: kernel, required: required,
                                   deadline: deadline, clock: clock, found: found)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        if Task.isCancelled && !outcomes.contains(where: \.reached) { throw .cancelled }
        let seconds = Double(clock.now - start)
        let attempts = outcomes.reduce(UInt64(0)) { $0 &+ $1.attempts }
        // The winner: the most zeros, then the smallest nonce (so one thread is deterministic).
        guard let best = outcomes.max(by: { ($0.zeros, $1.nonce) < ($1.zeros, $0.nonce) }), best.zeros >= 0 else {
            throw .cancelled
        }
        return try request.result(nonce: best.nonce, leadingZeros: best.zeros, required: required,
                                   rlpWithoutNonceLength: prefix.count, attempts: attempts, seconds: seconds)
    }

    /// What one thread's search ended with.
    struct Outcome: Sendable {
        var nonce: UInt64 = 0
        var zeros = -1
        var attempts: UInt64 = 0
        var reached = false
    }

    /// Set by the first thread that reaches the target, read by the others.
    final class Found: Sendable {
        let flag = Atomic<Bool>(false)
    }

    static func run(_ search: NonceSearch, thread: Int, of threads: Int, kernel: KeccakKernel, required: Int?,
                    deadline: ContinuousClock.Instant, clock: ContinuousClock, found: Found) async -> Outcome {
        let lanes = kernel.lanes
        let state = KeccakLanes(kernel: kernel)
        // The first block's starting state, already interleaved for every lane.
        let template = UnsafeMutablePointer<UInt64>.allocate(capacity: 25 * lanes)
        defer { template.deallocate() }
        for index in 0..<25 {
            for lane in 0..<lanes { template[index * lanes + lane] = search.firstBlockState[index] }
        }
        var outcome = Outcome()
        let stride = UInt64(threads * lanes)
        var base = UInt64(thread * lanes)
        while true {
            for _ in 0..<checkInterval {
                state.words.update(from: template, count: 25 * lanes)
                for lane in 0..<lanes {
                    search.xorNonce(base &+ UInt64(lane), block: 0, into: state, lane: lane)
                }
                state.permute()
                if search.hasSecondBlock {
                    for lane in 0..<lanes {
                        for index in 0..<17 { state.xor(search.secondBlock[index], into: index, lane: lane) }
                        search.xorNonce(base &+ UInt64(lane), block: 1, into: state, lane: lane)
                    }
                    state.permute()
                }
                for lane in 0..<lanes {
                    let top = state.word(0, lane: lane).byteSwapped
                    let zeros = top != 0 ? top.leadingZeroBitCount : state.digest(lane: lane).leadingZeroBitCount
                    if zeros > outcome.zeros {
                        outcome.zeros = zeros
                        outcome.nonce = base &+ UInt64(lane)
                        if let required, zeros >= required {
                            outcome.attempts &+= UInt64(lane + 1)
                            outcome.reached = true
                            found.flag.store(true, ordering: .relaxed)
                            return outcome
                        }
                    }
                }
                outcome.attempts &+= UInt64(lanes)
                base &+= stride
            }
            if found.flag.load(ordering: .relaxed) || Task.isCancelled || clock.now >= deadline {
                return outcome
            }
            await Task.yield()
        }
    }
}
