import Foundation
import MailvaultAPI
import MailvaultBench
import MailvaultCore
import MailvaultStore
import Synchronization

// The in-process half of the server benchmark (Benchmarks/server-bench runs the HTTP half with
// wrk against `mailvault serve` and prints the ratios):
//   ServerReport populate DIR COUNT        a store of COUNT envelopes (256-byte payloads, 1000
//                                          topics, sent times spread over 30 days)
//   ServerReport query DIR SECONDS THREADS [WARMUP]
//                                          the same 1-topic, 50-result first pages wrk asks for,
//                                          on THREADS threads: queries/s, p50, p99, CPU time per
//                                          query, timed after
//                                          WARMUP seconds (default 2) of the same queries, so
//                                          that the map's pages are mapped, as in a running server
//   ServerReport encode DIR SECONDS        the JSON answer of one 50-envelope page, written again
//                                          and again: microseconds per page (the API's own cost)
//   ServerReport ingest DIR SECONDS TASKS  durable ingest of batches of 100 1 KiB envelopes from
//                                          TASKS concurrent callers: envelopes/s
//   ServerReport presence DIR SECONDS      lookups by hash on one thread: `presence(of:)` of
//                                          batches of 50 stored and 50 unknown hashes, and
//                                          `envelope(hash:)` of stored ones: microseconds each
// Every figure is one line `name value unit`.

/// The store's time span and topics, shared with Benchmarks/wrk/query.lua.
enum Layout {
    static let base: UInt32 = 1_700_000_000
    static let span: UInt32 = 30 * 86_400
    static let topics = 1000
    static func topic(_ index: Int) -> Topic { Topic(rawValue: 0x5000_0000 + UInt32(index)) }
}


func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// The CPU time this process has used, all threads, in seconds.
func processCPUTime() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func report(_ name: String, _ value: Double, _ unit: String) {
    print("\(name) \(value) \(unit)")
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ServerReport: \(message)\n".utf8))
    exit(1)
}

/// The query wrk's script sends for a random draw: one topic, from a random time in the first
/// 29 days to the end, first page of 50.
func randomQuery(_ generator: inout SplitMix64) -> HistoryQuery {
    let topic = Layout.topic(Int(generator.next() % UInt64(Layout.topics)))
    let from = Layout.base + UInt32(generator.next() % UInt64(Layout.span - 86_400))
    return HistoryQuery(from: from, to: Layout.base + Layout.span, topics: [topic], limit: 50)
}

func populate(_ directory: String, count: Int) throws {
    let store = try EnvelopeStore.open(at: directory)
    defer { store.close() }
    if try store.stats().envelopes >= count { return }
    var generator = SplitMix64(seed: 42)
    let batch = 10_000
    for start in stride(from: 0, to: count, by: batch) {
        var envelopes: [Envelope] = []
        envelopes.reserveCapacity(batch)
        for index in start..<min(start + batch, count) {
            let sent = Layout.base + UInt32(UInt64(index) * UInt64(Layout.span) / UInt64(count))
            envelopes.append(Envelope(expiry: sent + 3600, ttl: 3600, topic: Layout.topic(Int(generator.next() % 1000)),
                                      data: generator.bytes(256), nonce: generator.next()))
        }
        _ = try store.ingestAndWait(envelopes)
    }
}

func measureQueries(_ directory: String, duration: Double, threads: Int, warmUp: Double) throws {
    let store = try EnvelopeStore.open(at: directory, configuration: StoreConfiguration(readOnly: true))
    defer { store.close() }
    var warmUpGenerator = SplitMix64(seed: 1)
    let warmUpEnd = Date().addingTimeInterval(warmUp)
    while Date() < warmUpEnd { _ = try? store.query(randomQuery(&warmUpGenerator)) }
    let collected = Mutex<(latencies: [Double], results: Int)>(([], 0))
    let cpuBefore = processCPUTime()
    let deadline = Date().addingTimeInterval(duration)
    let group = DispatchGroup()
    for thread in 0..<threads {
        group.enter()
        Thread {
            var generator = SplitMix64(seed: UInt64(thread) + 7)
            var local: [Double] = []
            var returned = 0
            while Date() < deadline {
                let query = randomQuery(&generator)
                let start = ContinuousClock.now
                returned += (try? store.query(query).entries.count) ?? 0
                local.append(seconds(ContinuousClock.now - start))
            }
            collected.withLock {
                $0.latencies += local
                $0.results += returned
            }
            group.leave()
        }.start()
    }
    group.wait()
    let cpu = processCPUTime() - cpuBefore
    let (unsorted, results) = collected.withLock { $0 }
    let latencies = unsorted.sorted()
    report("inprocess_query_rate", Double(latencies.count) / duration, "queries/s")
    report("inprocess_query_p50", latencies[latencies.count / 2] * 1000, "ms")
    report("inprocess_query_p99", latencies[latencies.count * 99 / 100] * 1000, "ms")
    report("inprocess_query_cpu", cpu * 1e6 / Double(latencies.count), "us/query")
    report("inprocess_query_results", Double(results) / Double(latencies.count), "envelopes/query")
}

func measureEncoding(_ directory: String, duration: Double) throws {
    let store = try EnvelopeStore.open(at: directory, configuration: StoreConfiguration(readOnly: true))
    defer { store.close() }
    var generator = SplitMix64(seed: 3)
    var page = try store.query(randomQuery(&generator))
    while page.envelopes.count < 50 { page = try store.query(randomQuery(&generator)) }
    var pages = 0
    var bytes = 0
    let start = ContinuousClock.now
    while seconds(ContinuousClock.now - start) < duration {
        for _ in 0..<100 { bytes &+= APIResponseBody.envelopes(page).count }
        pages += 100
    }
    let elapsed = seconds(ContinuousClock.now - start)
    report("json_page_encode", elapsed * 1e6 / Double(pages), "us/page")
    report("json_page_bytes", Double(bytes / pages), "bytes")
}

func measureIngest(_ directory: String, duration: Double, tasks: Int) async throws {
    try? FileManager.default.removeItem(atPath: directory)
    let store = try EnvelopeStore.open(at: directory)
    var generator = SplitMix64(seed: 99)
    // Prebuilt batches of 100 envelopes of 1 KiB, stamped now, so that the timing is the store's.
    let now = UInt32(Date().timeIntervalSince1970)
    let batches = (0..<Int(duration * 1000)).map { _ in
        (0..<100).map { _ in
            Envelope(expiry: now + 50, ttl: 50, topic: Layout.topic(Int(generator.next() % 1000)),
                     data: generator.bytes(1024), nonce: generator.next())
        }
    }
    let start = ContinuousClock.now
    let stored = try await withThrowingTaskGroup(of: Int.self) { group in
        for task in 0..<tasks {
            group.addTask {
                var count = 0
                var index = task
                while index < batches.count, seconds(ContinuousClock.now - start) < duration {
                    count += try await store.ingest(batches[index]).count
                    index += tasks
                }
                return count
            }
        }
        return try await group.reduce(0, +)
    }
    let elapsed = seconds(ContinuousClock.now - start)
    store.close()
    report("inprocess_ingest_rate", Double(stored) / elapsed, "envelopes/s")
}

func measureLookups(_ directory: String, duration: Double) throws {
    let store = try EnvelopeStore.open(at: directory, configuration: StoreConfiguration(readOnly: true))
    defer { store.close() }
    // 10,000 stored hashes: 100 pages of 100 keys from random times; as many random unknown ones.
    var generator = SplitMix64(seed: 11)
    var stored: [Hash256] = []
    for _ in 0..<100 {
        let from = Layout.base + UInt32(generator.next() % UInt64(Layout.span - 86_400))
        stored += try store.hashes(HistoryQuery(from: from, to: Layout.base + Layout.span, limit: 100)).entries.map(\.key.hash)
    }
    let unknown = (0..<stored.count).map { _ in
        Hash256(w0: generator.next(), w1: generator.next(), w2: generator.next(), w3: generator.next())
    }
    func timed(_ body: (Int) throws -> Int) throws -> Double {
        var done = 0
        var round = 0
        let start = ContinuousClock.now
        while seconds(ContinuousClock.now - start) < duration {
            done += try body(round)
            round += 1
        }
        return seconds(ContinuousClock.now - start) * 1e6 / Double(done)
    }
    let presence = try timed { round in
        let offset = round * 50 % (stored.count - 50)
        let batch = Array(stored[offset..<(offset + 50)] + unknown[offset..<(offset + 50)])
        let found = try store.presence(of: batch)
        guard found == Array(repeating: true, count: 50) + Array(repeating: false, count: 50) else {
            fail("presence answered wrongly")
        }
        return batch.count
    }
    report("presence", presence, "us/hash")
    let lookup = try timed { round in
        guard try store.envelope(hash: stored[round % stored.count]) != nil else { fail("a stored hash was not found") }
        return 1
    }
    report("envelope_by_hash", lookup, "us/lookup")
}

let arguments = CommandLine.arguments
guard arguments.count >= 4 else { fail("usage: ServerReport populate DIR COUNT | query DIR SECONDS THREADS | encode DIR SECONDS | ingest DIR SECONDS TASKS | presence DIR SECONDS") }
let directory = arguments[2]
switch arguments[1] {
case "populate":
    guard let count = Int(arguments[3]) else { fail("COUNT must be an integer") }
    try populate(directory, count: count)
case "query":
    guard arguments.count >= 5 else { fail("query DIR SECONDS THREADS") }
    try measureQueries(directory, duration: Double(arguments[3]) ?? 10, threads: Int(arguments[4]) ?? 2,
                       warmUp: arguments.count >= 6 ? Double(arguments[5]) ?? 2 : 2)
case "encode":
    try measureEncoding(directory, duration: Double(arguments[3]) ?? 5)
case "ingest":
    guard arguments.count >= 5 else { fail("ingest DIR SECONDS TASKS") }
    try await measureIngest(directory, duration: Double(arguments[3]) ?? 10, tasks: Int(arguments[4]) ?? 16)
case "presence":
    try measureLookups(directory, duration: Double(arguments[3]) ?? 5)
default:
    fail("unknown mode \(arguments[1])")
}
