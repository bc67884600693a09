import Foundation
import MailvaultCore

// Prints one `name value unit` line per figure: throughput of the PoW engine on this machine,
// each figure the median of several timed runs. Benchmarks/compare-openssl puts these next to
// `openssl speed` and computes the ratios.

let runs = 5
let runTime = 0.4
let cores = ProcessInfo.processInfo.activeProcessorCount

func bytes(_ count: Int, seed: Int = 1) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 7 &+ ($0 >> 8)) }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Operations per second of `body` (which performs `opsPerCall` operations), median of `runs`.
func rate(opsPerCall: Int, _ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    var rates: [Double] = []
    for _ in 0..<runs {
        var calls = 0
        let start = clock.now
        while seconds(clock.now - start) < runTime {
            body()
            calls += 1
        }
        rates.append(Double(calls * opsPerCall) / seconds(clock.now - start))
    }
    return rates.sorted()[runs / 2]
}

/// Nonces per second of a sealer searching for the whole budget, median of `runs`.
func sealRate(_ sealer: some EnvelopeSealer, data: [UInt8]) async -> Double {
    var rates: [Double] = []
    for _ in 0..<runs {
        let request = SealRequest(expiry: 1_700_000_050, ttl: 50, topic: Topic(1, 2, 3, 4), data: data,
                                  goal: .maximize, workTime: .milliseconds(Int64(runTime * 1000)))
        guard let result = try? await sealer.seal(request) else { continue }
        rates.append(result.rate)
    }
    return rates.sorted()[rates.count / 2]
}

func report(_ name: String, _ value: Double, _ unit: String) {
    print(name, String(format: "%.1f", value), unit)
}

var sink: UInt64 = 0
print("# cores \(cores); kernels: \(KeccakKernel.available.map(\.description).joined(separator: ", ")); best: \(KeccakKernel.best)")

// Keccak-256 over 16 KiB messages, one core.
let big = bytes(16 * 1024)
for kernel in KeccakKernel.available where kernel.lanes == 1 {
    report("keccak256_16k_\(kernel.implementation)", rate(opsPerCall: 1) {
        var hasher = Keccak256(kernel: kernel)
        hasher.update(big)
        sink ^= hasher.finalize().w3
    } * 16384 / 1e6, "MB/s")
}
let bigBatch = [[UInt8]](repeating: big, count: KeccakKernel.best.lanes)
for kernel in KeccakKernel.available where kernel.lanes > 1 {
    let r = rate(opsPerCall: bigBatch.count) {
        let pointers = bigBatch.map { $0.withUnsafeBytes { $0 } }
        sink ^= Keccak256.hash(batch: pointers, kernel: kernel)[0].w3
    }
    report("keccak256_16k_batch_\(kernel.implementation)", r * 16384 / 1e6, "MB/s")
}

// Sealing a 1 KiB payload.
let payload = bytes(1024)
let prefix = Envelope(expiry: 1_700_000_050, ttl: 50, topic: Topic(1, 2, 3, 4), data: payload, nonce: 0).rlpWithoutNonce
var rehashBuffer = prefix + [UInt8](repeating: 0, count: 8)
var rehashNonce: UInt64 = 0
report("seal_1k_rehash_baseline", rate(opsPerCall: 64) {
    // go-ethereum's loop: write the nonce into the buffer and hash all of it again.
    for _ in 0..<64 {
        withUnsafeBytes(of: rehashNonce.bigEndian) { rehashBuffer.replaceSubrange((rehashBuffer.count - 8)..., with: $0) }
        sink ^= UInt64(Keccak256.hash(rehashBuffer).leadingZeroBitCount)
        rehashNonce &+= 1
    }
}, "nonces/s")
report("seal_1k_scalar_midstate", await sealRate(ScalarSealer(), data: payload), "nonces/s")
for kernel in KeccakKernel.available {
    report("seal_1k_lanes_\(kernel.implementation)_1thread", await sealRate(LaneSealer(threads: 1, kernel: kernel), data: payload), "nonces/s")
}
report("seal_1k_lanes_best_\(cores)threads", await sealRate(LaneSealer(threads: cores), data: payload), "nonces/s")

// Verification of 1 KiB envelopes: decode + both hashes, one by one vs in a batch of 64.
let wires = (0..<64).map { index in
    Array(Envelope(expiry: 1_700_000_050, ttl: 50, topic: Topic(1, 2, 3, UInt8(index)), data: bytes(1024, seed: index),
                   nonce: UInt64(index)).encoded)
}
/// One envelope's two hashes, one after the other, on a one-lane kernel.
func checkOne(_ envelope: Envelope, kernel: KeccakKernel) -> UInt64 {
    var identity = Keccak256(kernel: kernel)
    identity.update(envelope.encoded)
    var work = Keccak256(kernel: kernel)
    work.update(envelope.rlpWithoutNonce)
    withUnsafeBytes(of: envelope.nonce.bigEndian) { work.update($0) }
    return identity.finalize().w0 ^ work.finalize().w0
}
for kernel in KeccakKernel.available where kernel.lanes == 1 {
    report("verify_1k_single_\(kernel.implementation)", rate(opsPerCall: wires.count) {
        for wire in wires {
            if let envelope = try? Envelope(decoding: wire) { sink ^= checkOne(envelope, kernel: kernel) }
        }
    }, "envelopes/s")
}
for kernel in KeccakKernel.available {
    report("verify_1k_batch_\(kernel.implementation)", rate(opsPerCall: wires.count) {
        let envelopes = wires.compactMap { try? Envelope(decoding: $0) }
        sink ^= Envelope.checkWork(batch: envelopes, kernel: kernel)[0].powHash.w0
    }, "envelopes/s")
}
if sink == 42 { print("#") }
