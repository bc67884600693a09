import MailvaultCore

/// `seal`: nonces per second for a 1 KiB payload — go-ethereum's whole-buffer rehash loop (the
/// baseline), `LaneSealer` on one thread (the best kernel, and the scalar kernel a CPU without
/// SIMD would use) and on every core — against OpenSSL's SHA3-256 of 64-byte inputs (a nonce
/// costs at least one permutation, so that is the most a plain hash library could try).
struct SealSection: BenchSection {
    static let name = BenchSectionName.seal
    static let payloadSize = 1024

    func run(in context: BenchContext) async throws {
        let plan = context.plan
        var random = BenchRandom(seed: 3)
        let payload = random.bytes(SealSection.payloadSize)
        let topic = Topic(1, 2, 3, 4)
        let prefix = Envelope(expiry: 1_700_000_050, ttl: 50, topic: topic, data: payload, nonce: 0).rlpWithoutNonce
        let best = KeccakKernel.best
        let threads = plan.threads
        let request = SealRequest(expiry: 1_700_000_050, ttl: 50, topic: topic, data: payload, goal: .maximize,
                                  workTime: .nanoseconds(Int64(plan.runSeconds * 1e9)))

        var loop = RehashSealLoop(rlpWithoutNonce: prefix)
        var candidates = [
            BenchCandidate(name: "seal.1KiB.rehash", label: "Seal 1 KiB, go-ethereum's rehash per nonce, 1 thread",
                           unit: "nonces/s", isBaseline: true) {
                BenchTimer.rate(for: plan.runSeconds, operations: 64) { loop.tryNonces(64) }
            },
            BenchCandidate(name: "seal.1KiB.1thread.\(best.implementation)",
                           label: "Seal 1 KiB, LaneSealer, 1 thread, \(best.implementation)", unit: "nonces/s") {
                try await SealSection.rate(LaneSealer(threads: 1, kernel: best), request)
            },
        ]
        if best != .scalar {
            candidates.append(BenchCandidate(name: "seal.1KiB.1thread.scalar",
                                             label: "Seal 1 KiB, LaneSealer, 1 thread, scalar", unit: "nonces/s") {
                try await SealSection.rate(LaneSealer(threads: 1, kernel: .scalar), request)
            })
        }
        candidates.append(BenchCandidate(name: "seal.1KiB.\(threads)threads.\(best.implementation)",
                                         label: "Seal 1 KiB, LaneSealer, \(threads) threads, \(best.implementation)",
                                         unit: "nonces/s") {
            try await SealSection.rate(LaneSealer(threads: threads, kernel: best), request)
        })
        if let openssl = context.openssl {
            candidates.append(BenchCandidate(name: "openssl.sha3-256.64B", label: "OpenSSL SHA3-256 64 B, one core",
                                             unit: "hashes/s", isBaseline: true, maximumRuns: plan.opensslRuns) {
                try openssl.hashesPerSecond(size: 64, seconds: plan.opensslSeconds)
            })
        } else {
            context.note(OpenSSLSpeed.absentNote)
        }
        try await context.measure(Self.name, candidates)

        let oneThread = "seal.1KiB.1thread.\(best.implementation)"
        context.ratio("seal.1thread.vs.rehash", Self.name, "Seal 1 KiB, 1 thread vs go-ethereum's rehash loop",
                      figure: oneThread, over: "seal.1KiB.rehash")
        context.ratio("seal.1thread.vs.openssl", Self.name, "Seal 1 KiB, 1 thread vs OpenSSL SHA3-256 64 B hashes/s",
                      figure: oneThread, over: "openssl.sha3-256.64B")
        context.ratio("seal.threads.vs.1thread", Self.name,
                      "Seal 1 KiB, \(threads) threads vs 1 thread (\(threads).0x is linear)",
                      figure: "seal.1KiB.\(threads)threads.\(best.implementation)", over: oneThread)
    }

    /// Nonces per second of one search that runs for the request's whole work time.
    static func rate(_ sealer: LaneSealer, _ request: SealRequest) async throws -> Double {
        do {
            return try await sealer.seal(request).rate
        } catch {
            throw BenchError("sealing failed: \(error)")
        }
    }
}
