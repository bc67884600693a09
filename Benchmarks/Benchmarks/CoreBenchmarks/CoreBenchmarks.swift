import Benchmark
import MailvaultCore

/// Deterministic filler so runs are comparable.
private func bytes(_ count: Int, seed: Int = 1) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 7 &+ ($0 >> 8)) }
}

private func envelope(dataLength: Int, nonce: UInt64 = 12_345) -> Envelope {
    Envelope(expiry: 1_700_000_050, ttl: 50, topic: Topic(1, 2, 3, 4), data: bytes(dataLength), nonce: nonce)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], warmupIterations: 3,
                                           scalingFactor: .kilo, maxDuration: .seconds(2))

    // Keccak-256 throughput: the unit of every PoW cost, on each one-lane kernel.
    for kernel in KeccakKernel.available where kernel.lanes == 1 {
        for size in [64, 1024, 16 * 1024] {
            let message = bytes(size)
            Benchmark("Keccak256 \(size) B, \(kernel.implementation)") { benchmark in
                for _ in benchmark.scaledIterations {
                    var hasher = Keccak256(kernel: kernel)
                    hasher.update(message)
                    blackHole(hasher.finalize())
                }
            }
        }
    }

    // Many independent hashes in SIMD lanes.
    let messages = (0..<64).map { bytes(1024, seed: $0) }
    for kernel in KeccakKernel.available {
        Benchmark("Keccak256 batch of 64 x 1 KiB, \(kernel.implementation)") { benchmark in
            for _ in benchmark.scaledIterations {
                let pointers = messages.map { $0.withUnsafeBytes { $0 } }
                blackHole(Keccak256.hash(batch: pointers, kernel: kernel))
            }
        }
    }

    // Envelope decode: strict RLP, no copies, no hashing.
    let encoded = Array(envelope(dataLength: 1024).encoded)
    Benchmark("Envelope decode 1 KiB") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Envelope(decoding: encoded))
        }
    }

    // PoW verification as a node does it: decode, envelope hash, PoW hash.
    for size in [256, 1024, 16 * 1024] {
        let wire = Array(envelope(dataLength: size).encoded)
        Benchmark("Verify \(size) B") { benchmark in
            for _ in benchmark.scaledIterations {
                let decoded = try Envelope(decoding: wire)
                blackHole(decoded.hash)
                blackHole(decoded.pow())
            }
        }
    }

    // Batch verification of a packet of 64 envelopes of 1 KiB, against one by one.
    let packet = (0..<64).map { envelope(dataLength: 1024, nonce: UInt64($0)) }
    Benchmark("Verify packet 64 x 1 KiB, one by one") { benchmark in
        for _ in benchmark.scaledIterations {
            for item in packet { blackHole(item.checkWork()) }
        }
    }
    for kernel in KeccakKernel.available {
        Benchmark("Verify packet 64 x 1 KiB, batch \(kernel.implementation)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(Envelope.checkWork(batch: packet, kernel: kernel))
            }
        }
    }

    // Sealing a 1 KiB payload: the midstate (one final block per nonce) against the
    // go-ethereum loop that re-hashes the whole buffer for every nonce.
    let prefix = envelope(dataLength: 1024).rlpWithoutNonce
    Benchmark("Seal nonces 1 KiB, midstate") { benchmark in
        var midstate = Keccak256()
        midstate.update(prefix)
        for nonce in benchmark.scaledIterations {
            blackHole(ProofOfWork.finishHash(midstate, nonce: UInt64(nonce)).leadingZeroBitCount)
        }
    }
    Benchmark("Seal nonces 1 KiB, whole-buffer rehash (go-ethereum)") { benchmark in
        var buffer = prefix + [UInt8](repeating: 0, count: 8)
        for nonce in benchmark.scaledIterations {
            withUnsafeBytes(of: UInt64(nonce).bigEndian) { nonceBytes in
                buffer.replaceSubrange((buffer.count - 8)..., with: nonceBytes)
            }
            blackHole(Keccak256.hash(buffer).leadingZeroBitCount)
        }
    }
}
