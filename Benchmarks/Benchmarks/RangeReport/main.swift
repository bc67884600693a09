import Foundation
import MailvaultBench
import MailvaultCore
import MailvaultStore
import StoreBaselines

// What federation's range questions cost (Docs/Storage.md, "Sync buckets"): a store of COUNT
// envelopes spread evenly over 30 days, in time order as traffic arrives, then
//   1. keySummary over the whole month, a random day and a random minute, bounds at random keys
//      (not bucket edges, so both end buckets are scanned), median and p99, against the same
//      range's keys read and summed (`keys(from:to:limit:)`, what a store without buckets does);
//   2. splitKeys into 16 parts over the month and a day, keys of a minute;
//   3. the sync buckets' pages, as bytes per envelope.
// Usage: RangeReport [count] (default 1,000,000). The ingest before/after figures come from
// StoreReport's rounds mode, run alternately on this build and the one before the buckets.

let arguments = CommandLine.arguments
let count = arguments.count > 1 ? Int(arguments[1]) ?? 1_000_000 : 1_000_000
let scratch = NSTemporaryDirectory() + "mailvault-range-report-\(getpid())"
try? FileManager.default.removeItem(atPath: scratch)
defer { try? FileManager.default.removeItem(atPath: scratch) }

/// The workload's random source: `mailvault bench`'s generator.
struct Generator {
    var random: SplitMix64
    init(state: UInt64) { random = SplitMix64(seed: state) }
    mutating func next() -> UInt64 { random.next() }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
    mutating func hash() -> Hash256 { Hash256(w0: next(), w1: next(), w2: next(), w3: next()) }
}

let clock = ContinuousClock()
func microseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
}

let month: UInt32 = 30 * 86_400
let base: UInt32 = 1_700_000_000
var generator = Generator(state: 7)
let store = try EnvelopeStore.open(at: scratch)
let fillStart = clock.now
for start in stride(from: 0, to: count, by: 10_000) {
    let batch = (start..<min(start + 10_000, count)).map { index in
        let sent = base + UInt32(UInt64(index) * UInt64(month) / UInt64(count))
        return Envelope(expiry: sent + 50, ttl: 50, topic: Topic(rawValue: UInt32(generator.next() % 1000)),
                        data: generator.bytes(64), nonce: generator.next())
    }
    _ = try store.ingestAndWait(batch)
}
print(String(format: "# filled %d envelopes over 30 days in %.1f s", count, microseconds(clock.now - fillStart) / 1e6))

/// A random key at time `sent` (a bound that is not a bucket edge).
@MainActor func randomKey(_ sent: UInt32) -> EnvelopeKey { EnvelopeKey(sent: sent, hash: generator.hash()) }

/// Times `body` `runs` times on fresh random ranges; prints the median and p99 in µs.
@MainActor func measure(_ name: String, runs: Int, _ body: () throws -> Void) rethrows {
    var times: [Double] = []
    for _ in 0..<runs {
        let start = clock.now
        try body()
        times.append(microseconds(clock.now - start))
    }
    times.sort()
    let median = times[times.count / 2]
    let p99 = times[min(times.count - 1, times.count * 99 / 100)]
    let label = name.padding(toLength: 34, withPad: " ", startingAt: 0)
    print(label + String(format: " median %10.1f µs   p99 %10.1f µs   (%d runs)", median, p99, runs))
}

var checksum: UInt64 = 0
@MainActor func scanSummary(_ lower: EnvelopeKey, _ upper: EnvelopeKey?) throws -> KeySetSummary {
    var summary = KeySetSummary.empty
    for key in try store.keys(from: lower, to: upper, limit: .max) { summary.add(key.hash) }
    return summary
}
let ranges: [(String, UInt32, Int, Int)] = [("month", month, 200, 3), ("day", 86_400, 1000, 20), ("minute", 60, 5000, 1000)]
for (name, width, runs, scanRuns) in ranges {
    let range = { () -> (EnvelopeKey, EnvelopeKey) in
        let start = name == "month" ? base - UInt32(generator.next() % 3600)
                                    : base + UInt32(generator.next() % UInt64(month - width))
        return (randomKey(start), randomKey(start + width))
    }
    try measure("keySummary, \(name)", runs: runs) {
        let (lower, upper) = range()
        checksum &+= try store.keySummary(from: lower, to: upper).count
    }
    try measure("scan and sum (keys), \(name)", runs: scanRuns) {
        let (lower, upper) = range()
        checksum &+= try scanSummary(lower, upper).count
    }
    // Every figure above is checked once against the scan.
    let (lower, upper) = range()
    guard try store.keySummary(from: lower, to: upper) == scanSummary(lower, upper) else {
        fatalError("keySummary disagrees with the scan over a \(name)")
    }
}
try measure("splitKeys 16 parts, month", runs: 200) {
    checksum &+= UInt64(try store.splitKeys(from: randomKey(base - 10), to: randomKey(base + month + 10), parts: 16).count)
}
try measure("splitKeys 16 parts, day", runs: 1000) {
    let start = base + UInt32(generator.next() % UInt64(month - 86_400))
    checksum &+= UInt64(try store.splitKeys(from: randomKey(start), to: randomKey(start + 86_400), parts: 16).count)
}
try measure("keys, minute", runs: 5000) {
    let start = base + UInt32(generator.next() % UInt64(month - 60))
    checksum &+= UInt64(try store.keys(from: randomKey(start), to: randomKey(start + 60), limit: 1000).count)
}
store.close()
print("# checksum \(checksum)")
print("# pages of the sync buckets and the primary index, as bytes per envelope")
let names = ["syncBuckets", "envelopes"]
let cNames = names.map { strdup($0) }
defer { cNames.forEach { free($0) } }
let pointers = cNames.map { UnsafePointer($0) }
_ = pointers.withUnsafeBufferPointer { buffer in
    baseline_lmdb_print_pages(scratch, buffer.baseAddress, names.count, Double(count))
}
