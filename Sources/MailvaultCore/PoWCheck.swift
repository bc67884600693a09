/// What checking an envelope's proof of work establishes: its identity and its PoW.
public struct PoWCheck: Hashable, Sendable {
    /// keccak256 of the envelope's encoding.
    public let hash: Hash256
    /// keccak256(rlpWithoutNonce ++ nonce).
    public let powHash: Hash256
    /// The length of `rlpWithoutNonce`, the PoW's divisor.
    public let rlpWithoutNonceLength: Int
    /// The envelope's TTL.
    public let ttl: UInt32

    /// The PoW with the given `diff` (see `Envelope.pow(diff:)`).
    public func pow(diff: UInt32 = 0) -> Double {
        ProofOfWork.value(leadingZeros: powHash.leadingZeroBitCount, rlpWithoutNonceLength: rlpWithoutNonceLength,
                          ttl: ttl, diff: diff)
    }
}

extension Envelope {
    /// Hashes the envelope twice (identity, PoW) with the scalar code.
    public func checkWork() -> PoWCheck {
        let prefix = rlpWithoutNonce
        return PoWCheck(hash: hash, powHash: ProofOfWork.hash(rlpWithoutNonce: prefix, nonce: nonce),
                        rlpWithoutNonceLength: prefix.count, ttl: ttl)
    }

    /// Checks many envelopes (a messages packet, say) at once: both hashes of every envelope go
    /// through `Keccak256.hash(batch:kernel:)`, several per SIMD step. Results are in input order
    /// and identical to `checkWork()` on each envelope.
    public static func checkWork(batch envelopes: [Envelope], kernel: KeccakKernel = .best) -> [PoWCheck] {
        guard !envelopes.isEmpty else { return [] }
        // One arena holds each envelope's encoding and its rlpWithoutNonce ++ nonce, so the lane
        // hasher reads from a single stable buffer.
        var arena: [UInt8] = []
        arena.reserveCapacity(envelopes.reduce(0) { $0 + 2 * $1.encoded.count + 16 })
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(2 * envelopes.count)
        var prefixLengths: [Int] = []
        prefixLengths.reserveCapacity(envelopes.count)
        for envelope in envelopes {
            let start = arena.count
            arena.append(contentsOf: envelope.encoded)
            ranges.append(start..<arena.count)
            let prefixStart = arena.count
            envelope.appendRLPWithoutNonce(to: &arena)
            prefixLengths.append(arena.count - prefixStart)
            withUnsafeBytes(of: envelope.nonce.bigEndian) { arena.append(contentsOf: $0) }
            ranges.append(prefixStart..<arena.count)
        }
        let hashes = arena.withUnsafeBytes { base in
            Keccak256.hash(batch: ranges.map { UnsafeRawBufferPointer(rebasing: base[$0]) }, kernel: kernel)
        }
        return envelopes.indices.map { index in
            PoWCheck(hash: hashes[2 * index], powHash: hashes[2 * index + 1],
                     rlpWithoutNonceLength: prefixLengths[index], ttl: envelopes[index].ttl)
        }
    }

    /// keccak256 of each envelope's encoding (its identity), several per SIMD step; results in
    /// input order. Half the work of `checkWork(batch:)` for a caller that needs no PoW.
    public static func hashes(batch envelopes: [Envelope], kernel: KeccakKernel = .best) -> [Hash256] {
        guard !envelopes.isEmpty else { return [] }
        // One arena holds the encodings, so the lane hasher reads from a single stable buffer.
        var arena: [UInt8] = []
        arena.reserveCapacity(envelopes.reduce(0) { $0 + $1.encoded.count })
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(envelopes.count)
        for envelope in envelopes {
            let start = arena.count
            arena.append(contentsOf: envelope.encoded)
            ranges.append(start..<arena.count)
        }
        return arena.withUnsafeBytes { base in
            Keccak256.hash(batch: ranges.map { UnsafeRawBufferPointer(rebasing: base[$0]) }, kernel: kernel)
        }
    }
}
