import Foundation
import MailvaultBench
import MailvaultCore
import MailvaultStore

// Bytes on disk per envelope (issue 19), one store per run:
//   BytesReport COUNT PAYLOAD TOPICS [DIR]
// ingests COUNT envelopes with random payloads of PAYLOAD bytes (or "LOW-HIGH", uniform), sent
// times spread evenly over 30 days and arriving in that order, in durable batches of 1000 (a
// provider's commits), each with one of TOPICS random topics (0: a topic of its own each), into
// DIR (default: a temporary directory, removed afterwards). Prints one line per figure:
// `name value unit`: the envelopes' RLP bytes, the file's bytes and the pages in use (file less
// LMDB's free list), each also per envelope and as a ratio to the RLP; then the time of a
// retention sweep that expires the oldest third (the store reopened with 20 days' retention, at
// the end of the 30 days) and of a compacting copy of what is left (`compact(to:)`).

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("BytesReport: \(message)\n".utf8))
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count >= 4, let count = Int(arguments[1]), count > 0, let topicCount = Int(arguments[3]) else {
    fail("usage: BytesReport COUNT PAYLOAD|LOW-HIGH TOPICS [DIR]")
}
let sizes = arguments[2].split(separator: "-").compactMap { Int($0) }
guard sizes.count == 1 || (sizes.count == 2 && sizes[0] <= sizes[1]) else { fail("PAYLOAD is a size or LOW-HIGH") }
let (low, high) = (sizes[0], sizes.last!)
let keep = arguments.count > 4
let directory = keep ? arguments[4] : NSTemporaryDirectory() + "mailvault-bytes-report-\(getpid())"
try? FileManager.default.removeItem(atPath: directory)
defer { if !keep { try? FileManager.default.removeItem(atPath: directory) } }

var random = SplitMix64(seed: 0x1234_5678_9ABC_DEF0)

let base: UInt32 = 1_700_000_000
let span: UInt32 = 30 * 86_400
let topics = (0..<max(topicCount, 1)).map { _ in Topic(rawValue: UInt32(truncatingIfNeeded: random.next())) }
do {
    let store = try EnvelopeStore.open(at: directory, configuration: StoreConfiguration(
        retention: RetentionPolicy(maximumAge: 100 * 365 * 86_400)))
    var rlp = 0
    for first in stride(from: 0, to: count, by: 1000) {
        var batch: [Envelope] = []
        for index in first..<min(first + 1000, count) {
            let sent = base + UInt32(UInt64(index) * UInt64(span) / UInt64(count))
            let topic = topicCount == 0 ? Topic(rawValue: UInt32(truncatingIfNeeded: random.next())) : topics[Int(random.next() % UInt64(topicCount))]
            let length = low + Int(random.next() % UInt64(high - low + 1))
            let envelope = Envelope(expiry: sent + 86_400, ttl: 86_400, topic: topic, data: random.bytes(length), nonce: random.next())
            rlp += envelope.encoded.count
            batch.append(envelope)
        }
        _ = try store.ingestAndWait(batch)
    }
    let stats = try store.stats()
    store.close()
    let file = (try FileManager.default.attributesOfItem(atPath: directory + "/data.mdb")[.size] as? NSNumber)?.intValue ?? 0
    func report(_ name: String, _ value: Double, _ unit: String) { print("\(name) \(value) \(unit)") }
    report("schema", Double(stats.schemaVersion), "version")
    report("envelopes", Double(stats.envelopes), "envelopes")
    report("rlp", Double(rlp), "bytes")
    report("rlp_per_envelope", Double(rlp) / Double(count), "bytes")
    report("file", Double(file), "bytes")
    report("file_per_envelope_over_rlp", Double(file - rlp) / Double(count), "bytes")
    report("file_ratio", Double(file) / Double(rlp), "x")
    report("used", Double(stats.usedBytes), "bytes")
    report("used_ratio", Double(stats.usedBytes) / Double(rlp), "x")
    report("stored_records", Double(stats.storedBytes), "bytes")
    let clock = ContinuousClock()
    let swept = try EnvelopeStore.open(at: directory, configuration: StoreConfiguration(
        retention: RetentionPolicy(maximumAge: 20 * 86_400)))
    var start = clock.now
    let sweep = try await swept.sweep(now: base + span)
    let sweepTime = clock.now - start
    report("sweep_expired", Double(sweep.expired), "envelopes")
    report("sweep_seconds", Double(sweepTime.components.seconds) + Double(sweepTime.components.attoseconds) / 1e18, "s")
    start = clock.now
    try swept.compact(to: directory + "-compacted")
    let compactTime = clock.now - start
    report("compact_seconds", Double(compactTime.components.seconds) + Double(compactTime.components.attoseconds) / 1e18, "s")
    swept.close()
    try? FileManager.default.removeItem(atPath: directory + "-compacted")
} catch {
    fail("\(error)")
}
