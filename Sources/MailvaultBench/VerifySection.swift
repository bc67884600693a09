import MailvaultCore

/// `verify`: what a node pays per received envelope — decode a messages packet, then both
/// hashes of every envelope (identity and PoW) — for 256 B, 1 KiB and 16 KiB payloads. The
/// baseline is one envelope after the other with the scalar Swift permutation; Mailvault hashes
/// one by one on the fastest one-lane kernel, and the whole packet in SIMD lanes.
struct VerifySection: BenchSection {
    static let name = BenchSectionName.verify
    static let payloadSizes = [256, 1024, 16 * 1024]

    func run(in context: BenchContext) async throws {
        let plan = context.plan
        let single = KeccakKernel.bestSingle
        let lanes = KeccakKernel.best
        for size in VerifySection.payloadSizes {
            var random = BenchRandom(seed: UInt64(size))
            let envelopes = (0..<plan.packet).map { index in
                Envelope(expiry: 1_700_000_050, ttl: 50, topic: Topic(rawValue: UInt32(index)),
                         data: random.bytes(size), nonce: random.next())
            }
            let packet = Envelope.encodePacket(envelopes)
            let tag = VerifySection.tag(size)
            var candidates = [
                BenchCandidate(name: "verify.\(tag).single.scalar",
                               label: "Verify \(tag) envelopes one by one, scalar Swift", unit: "envelopes/s",
                               isBaseline: true) {
                    try BenchTimer.rate(for: plan.runSeconds, operations: plan.packet) {
                        try VerifySection.checkOneByOne(packet, kernel: .scalar)
                    }
                },
            ]
            if single != .scalar {
                candidates.append(BenchCandidate(name: "verify.\(tag).single.\(single.implementation)",
                                                 label: "Verify \(tag) envelopes one by one, \(single.implementation)",
                                                 unit: "envelopes/s") {
                    try BenchTimer.rate(for: plan.runSeconds, operations: plan.packet) {
                        try VerifySection.checkOneByOne(packet, kernel: single)
                    }
                })
            }
            candidates.append(BenchCandidate(name: "verify.\(tag).batch.\(lanes.implementation)",
                                             label: "Verify \(tag) envelopes, packets of \(plan.packet), \(lanes.implementation) lanes",
                                             unit: "envelopes/s") {
                try BenchTimer.rate(for: plan.runSeconds, operations: plan.packet) {
                    Envelope.checkWork(batch: try Envelope.decodePacket(packet), kernel: lanes)[0].powHash.w0
                }
            })
            try await context.measure(Self.name, candidates, what: "\(tag) payloads")
            context.ratio("verify.\(tag).batch.vs.scalar", Self.name,
                          "Verify \(tag): packets in \(lanes.implementation) lanes vs one by one in scalar Swift",
                          figure: "verify.\(tag).batch.\(lanes.implementation)", over: "verify.\(tag).single.scalar")
        }
    }

    /// "256B", "1KiB", "16KiB".
    static func tag(_ size: Int) -> String {
        size % 1024 == 0 ? "\(size / 1024)KiB" : "\(size)B"
    }

    /// Decodes the packet, then hashes each envelope twice (its encoding; rlpWithoutNonce ++
    /// nonce) on a one-lane kernel.
    static func checkOneByOne(_ packet: [UInt8], kernel: KeccakKernel) throws -> UInt64 {
        var sink: UInt64 = 0
        for envelope in try Envelope.decodePacket(packet) {
            var identity = Keccak256(kernel: kernel)
            identity.update(envelope.encoded)
            var work = Keccak256(kernel: kernel)
            work.update(envelope.rlpWithoutNonce)
            withUnsafeBytes(of: envelope.nonce.bigEndian) { work.update($0) }
            sink ^= identity.finalize().w0 ^ work.finalize().w0
        }
        return sink
    }
}
