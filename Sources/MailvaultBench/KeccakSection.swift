import MailvaultCore

/// `keccak`: Keccak-256 over 16 KiB messages on one core — each one-lane kernel on one
/// message, each lane kernel on a batch — against OpenSSL's SHA3-256 on the same size.
struct KeccakSection: BenchSection {
    static let name = BenchSectionName.keccak
    static let messageSize = 16 * 1024

    func run(in context: BenchContext) async throws {
        let plan = context.plan
        var random = BenchRandom(seed: 1)
        let message = random.bytes(KeccakSection.messageSize)
        let megabytes = Double(KeccakSection.messageSize) / 1e6
        let batchSize = KeccakKernel.available.map(\.lanes).max() ?? 1
        let arena = [[UInt8]](repeating: message, count: batchSize).flatMap { $0 }

        var candidates: [BenchCandidate] = []
        for kernel in KeccakKernel.available where kernel.lanes == 1 {
            candidates.append(BenchCandidate(
                name: "keccak.16KiB.\(kernel.implementation)",
                label: "Keccak-256 16 KiB, one core, \(kernel.implementation) (1 lane)", unit: "MB/s"
            ) {
                BenchTimer.rate(for: plan.runSeconds, operations: 1) {
                    var hasher = Keccak256(kernel: kernel)
                    hasher.update(message)
                    return hasher.finalize().w3
                } * megabytes
            })
        }
        for kernel in KeccakKernel.available where kernel.lanes > 1 {
            candidates.append(BenchCandidate(
                name: "keccak.16KiB.lanes.\(kernel.implementation)",
                label: "Keccak-256 16 KiB x \(batchSize), one core, \(kernel.implementation) (\(kernel.lanes) lanes)",
                unit: "MB/s"
            ) {
                BenchTimer.rate(for: plan.runSeconds, operations: batchSize) {
                    KeccakSection.hashBatch(arena, count: batchSize, size: KeccakSection.messageSize, kernel: kernel)
                } * megabytes
            })
        }
        if let openssl = context.openssl {
            candidates.append(BenchCandidate(
                name: "openssl.sha3-256.16KiB", label: "OpenSSL SHA3-256 16 KiB, one core", unit: "MB/s",
                isBaseline: true, maximumRuns: plan.opensslRuns
            ) {
                try openssl.hashesPerSecond(size: KeccakSection.messageSize, seconds: plan.opensslSeconds) * megabytes
            })
        } else {
            context.note(OpenSSLSpeed.absentNote)
        }
        try await context.measure(Self.name, candidates)

        let single = KeccakKernel.bestSingle.implementation
        context.ratio("keccak.single.vs.openssl", Self.name,
                      "Keccak-256 16 KiB, \(single) vs OpenSSL SHA3-256, one core",
                      figure: "keccak.16KiB.\(single)", over: "openssl.sha3-256.16KiB")
        if single != .scalar {
            context.ratio("keccak.scalar.vs.openssl", Self.name,
                          "Keccak-256 16 KiB, scalar Swift vs OpenSSL SHA3-256, one core",
                          figure: "keccak.16KiB.scalar", over: "openssl.sha3-256.16KiB")
        }
        let lanes = KeccakKernel.best
        if lanes.lanes > 1 {
            context.ratio("keccak.lanes.vs.openssl", Self.name,
                          "Keccak-256 16 KiB in \(lanes.implementation) lanes vs OpenSSL SHA3-256, one core",
                          figure: "keccak.16KiB.lanes.\(lanes.implementation)", over: "openssl.sha3-256.16KiB")
        }
    }

    /// Hashes `count` messages of `size` bytes, laid out back to back in `arena`, in the kernel's lanes.
    static func hashBatch(_ arena: [UInt8], count: Int, size: Int, kernel: KeccakKernel) -> UInt64 {
        arena.withUnsafeBytes { base in
            let messages = (0..<count).map { UnsafeRawBufferPointer(rebasing: base[($0 * size)..<(($0 + 1) * size)]) }
            return Keccak256.hash(batch: messages, kernel: kernel)[0].w3
        }
    }
}
