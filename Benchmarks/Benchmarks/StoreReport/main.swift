import Foundation
import MailvaultCore
import MailvaultStore
import StoreBaselines

// The archive's report, every figure measured in this one run on this machine:
//   1. durable ingest of 1 KiB envelopes in batches of 1000: MailvaultStore vs a plain C loop
//      putting the same keys and values into LMDB vs SQLite with nwaku's schema;
//   2. bytes on disk per random-payload envelope / its RLP size;
//   3. a 10-topic query returning 100 envelopes from 1,000,000 over 30 days, median and p99,
//      vs status-go's scan of the time range;
//   4. zstd ratio on random and on compressible payloads, with and without a zstd dictionary.
// Usage: StoreReport [ingest-count] [query-store-count] (defaults 200000 and 1000000).
//        StoreReport COUNT 0 rounds R   only the ingest race, R alternating rounds of the C loop
//                                       and the store (hashing included, then precomputed), each
//                                       round's ratios against the C loop of that round.

let arguments = CommandLine.arguments
let ingestCount = arguments.count > 1 ? Int(arguments[1]) ?? 200_000 : 200_000
let queryStoreCount = arguments.count > 2 ? Int(arguments[2]) ?? 1_000_000 : 1_000_000
let scratch = NSTemporaryDirectory() + "mailvault-store-report-\(getpid())"
try? FileManager.default.removeItem(atPath: scratch)
try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: scratch) }

struct Generator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count + 8)
        while out.count < count { withUnsafeBytes(of: next()) { out.append(contentsOf: $0) } }
        return Array(out.prefix(count))
    }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func fileSize(_ path: String) -> UInt64 {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.uint64Value ?? 0
}

/// Bytes this process has caused to be written to storage so far (Linux /proc/self/io): a
/// count of pages written that machine noise does not change, unlike the rates.
func writtenBytes() -> UInt64 {
    guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("write_bytes:") {
        return UInt64(line.dropFirst("write_bytes:".count).trimmingCharacters(in: .whitespaces)) ?? 0
    }
    return 0
}

func report(_ name: String, _ value: Double, _ unit: String) {
    print(String(format: "%-44@ %14.3f %@", name as NSString, value, unit as NSString))
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("StoreReport: \(message)\n".utf8))
    exit(1)
}

/// Flat key/value arrays for the C baselines.
struct Flat {
    var keys: [UInt8] = []
    var values: [UInt8] = []
    var offsets: [Int] = [0]
    var hashes: [UInt8] = []
    var topics: [UInt32] = []
    var sents: [UInt32] = []

    init(_ envelopes: [Envelope], hashes envelopeHashes: [Hash256], keyWithTopic: Bool) {
        for (envelope, hash) in zip(envelopes, envelopeHashes) {
            keys += EnvelopeKey(sent: envelope.sentTime, hash: hash).bytes
            if keyWithTopic { keys += envelope.topic.bytes }
            values += envelope.encoded
            offsets.append(values.count)
            hashes += hash.bytes
            topics.append(envelope.topic.rawValue)
            sents.append(envelope.sentTime)
        }
    }
}

// MARK: 1-2. Ingest and bytes on disk

print("# StoreReport: \(ingestCount) envelopes of 1 KiB random data for ingest, \(queryStoreCount) for queries")
let base: UInt32 = 1_700_000_000
var generator = Generator(state: 1)
let ingestEnvelopes: [Envelope] = (0..<ingestCount).map { index in
    let sent = base + UInt32(index / 40)
    return Envelope(expiry: sent + 50, ttl: 50, topic: Topic(rawValue: UInt32(generator.next() % 1000)),
                    data: generator.bytes(1024), nonce: generator.next())
}
let ingestWork = Envelope.checkWork(batch: ingestEnvelopes)
let rlpBytes = ingestEnvelopes.reduce(0) { $0 + $1.encoded.count }
let batches = stride(from: 0, to: ingestCount, by: 1000).map { $0..<min($0 + 1000, ingestCount) }
let clock = ContinuousClock()

/// Ingests every batch, one caller after the other, or from `callers` threads at once (each
/// waiting for its own commit, so that group commit can merge what arrives meanwhile).
func measureStore(directory: String, precomputed: Bool, callers: Int = 1) throws
    -> (rate: Double, stats: StoreStats, written: UInt64)
{
    let store = try EnvelopeStore.open(at: directory)
    let writtenBefore = writtenBytes()
    let start = clock.now
    DispatchQueue.concurrentPerform(iterations: callers) { lane in
        for (index, range) in batches.enumerated() where index % callers == lane {
            let batch = Array(ingestEnvelopes[range])
            do {
                _ = try store.ingestAndWait(batch, work: precomputed ? Array(ingestWork[range]) : nil)
            } catch {
                fail("ingest failed: \(error)")
            }
        }
    }
    let rate = Double(ingestCount) / seconds(clock.now - start)
    let written = writtenBytes() - writtenBefore
    let stats = try store.stats()
    store.close()
    return (rate, stats, written)
}

let flat = Flat(ingestEnvelopes, hashes: ingestWork.map(\.hash), keyWithTopic: false)

/// The C loop over the same keys and values, into a new LMDB in `directory`: envelopes/s.
func measureCLoop(directory: String) throws -> Double {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let start = clock.now
    let result = flat.keys.withUnsafeBufferPointer { keys in
        flat.values.withUnsafeBufferPointer { values in
            flat.offsets.withUnsafeBufferPointer { offsets in
                baseline_lmdb_ingest(directory, keys.baseAddress, 36, values.baseAddress, offsets.baseAddress,
                                     ingestCount, 1000)
            }
        }
    }
    guard result == 0 else { fail("C LMDB loop failed: \(result)") }
    return Double(ingestCount) / seconds(clock.now - start)
}

let cWrittenBefore = writtenBytes()
let cDirectory = scratch + "/c-lmdb"
let cRate = try measureCLoop(directory: cDirectory)
let cWritten = writtenBytes() - cWrittenBefore

if arguments.count > 4, arguments[3] == "rounds", let rounds = Int(arguments[4]) {
    print("# round c_loop store(hashing) store(precomputed) ratio(hashing) ratio(precomputed)  [envelopes/s]")
    for round in 1...rounds {
        // Each side starts with no other run's dirty pages still being written back.
        sync()
        let loop = try measureCLoop(directory: scratch + "/c-lmdb-\(round)")
        sync()
        let hashing = try measureStore(directory: scratch + "/hashing-\(round)", precomputed: false).rate
        sync()
        let precomputed = try measureStore(directory: scratch + "/precomputed-\(round)", precomputed: true).rate
        print(String(format: "round %d %.0f %.0f %.0f %.3f %.3f", round, loop, hashing, precomputed,
                     hashing / loop, precomputed / loop))
        for name in ["/c-lmdb-\(round)", "/hashing-\(round)", "/precomputed-\(round)"] {
            try? FileManager.default.removeItem(atPath: scratch + name)
        }
    }
    try? FileManager.default.removeItem(atPath: scratch)
    exit(0)
}
if arguments.count > 3, arguments[3] == "store-only" {
    let result = try measureStore(directory: scratch + "/store-only", precomputed: true)
    report("mailvault_store (hashes precomputed)", result.rate, "env/s")
    report("ratio store(precomputed)/c_loop", result.rate / cRate, "x")
    report("c_lmdb_loop bytes written/rlp", Double(cWritten) / Double(rlpBytes), "x")
    report("mailvault_store bytes written/rlp", Double(result.written) / Double(rlpBytes), "x")
    report("mailvault_store file/rlp", Double(result.stats.fileBytes) / Double(rlpBytes), "x")
    report("mailvault_store used pages/rlp", Double(result.stats.usedBytes) / Double(rlpBytes), "x")
    print("# pages per database, as bytes per envelope (RLP \(rlpBytes / ingestCount) bytes per envelope)")
    let names = ["meta", "envelopes", "topicIndex", "hashIndex", "tiers", "blocks", "blockInfo", "runs"]
    let cNames = names.map { strdup($0) }
    defer { cNames.forEach { free($0) } }
    let pointers = cNames.map { UnsafePointer($0) }
    _ = pointers.withUnsafeBufferPointer { buffer in
        baseline_lmdb_print_pages(scratch + "/store-only", buffer.baseAddress, names.count, Double(ingestCount))
    }
    exit(0)
}
let storeHashing = try measureStore(directory: scratch + "/store-hashing", precomputed: false)
let storePrecomputed = try measureStore(directory: scratch + "/store-precomputed", precomputed: true)
let storeTwoCallers = try measureStore(directory: scratch + "/store-two", precomputed: false, callers: 2)

let cStart = clock.now
let sqlitePath = scratch + "/nwaku.sqlite"
let sqliteResult = flat.hashes.withUnsafeBufferPointer { hashes in
    flat.topics.withUnsafeBufferPointer { topics in
        flat.sents.withUnsafeBufferPointer { sents in
            flat.values.withUnsafeBufferPointer { values in
                flat.offsets.withUnsafeBufferPointer { offsets in
                    baseline_sqlite_ingest(sqlitePath, hashes.baseAddress, topics.baseAddress, sents.baseAddress,
                                           values.baseAddress, offsets.baseAddress, ingestCount, 1000)
                }
            }
        }
    }
}
guard sqliteResult == 0 else { fail("SQLite baseline failed: \(sqliteResult)") }
let sqliteRate = Double(ingestCount) / seconds(clock.now - cStart)

print("## Durable ingest, batches of 1000 (envelopes/s)")
report("c_lmdb_loop", cRate, "env/s")
report("mailvault_store (hashing included)", storeHashing.rate, "env/s")
report("mailvault_store (hashes precomputed)", storePrecomputed.rate, "env/s")
report("mailvault_store (2 callers, group commit)", storeTwoCallers.rate, "env/s")
report("sqlite_nwaku_schema", sqliteRate, "env/s")
report("ratio store(hashing)/c_loop", storeHashing.rate / cRate, "x (goal >= 0.7)")
report("ratio store(precomputed)/c_loop", storePrecomputed.rate / cRate, "x (goal >= 0.7)")
report("ratio store(2 callers)/c_loop", storeTwoCallers.rate / cRate, "x")
report("ratio store(hashing)/sqlite", storeHashing.rate / sqliteRate, "x (goal >= 10)")
print("## Bytes written to storage during ingest / RLP size (noise-free: what the commits cost)")
report("c_lmdb_loop bytes written/rlp", Double(cWritten) / Double(rlpBytes), "x")
report("mailvault_store bytes written/rlp", Double(storeHashing.written) / Double(rlpBytes), "x")
print("## Bytes on disk per random-payload envelope / RLP size")
report("mailvault_store file/rlp", Double(storeHashing.stats.fileBytes) / Double(rlpBytes), "x (goal <= 1.1)")
report("mailvault_store used pages/rlp", Double(storeHashing.stats.usedBytes) / Double(rlpBytes), "x")
report("c_lmdb_loop file/rlp", Double(fileSize(cDirectory + "/data.mdb")) / Double(rlpBytes), "x")
report("sqlite file+wal/rlp",
       Double(fileSize(sqlitePath) + fileSize(sqlitePath + "-wal")) / Double(rlpBytes), "x")
report("zstd ratio, random payloads", storeHashing.stats.compressionRatio, "raw/stored")
do {
    // The figure above has every RLP 1049 bytes, so 62 records fill a block almost exactly;
    // sizes spread over 0.75-1.25 KiB show what block tails cost when records do not fit so well.
    let varied: [Envelope] = (0..<50_000).map { index in
        let sent = base + UInt32(index / 40)
        return Envelope(expiry: sent + 50, ttl: 50, topic: Topic(rawValue: UInt32(generator.next() % 1000)),
                        data: generator.bytes(768 + Int(generator.next() % 513)), nonce: generator.next())
    }
    let store = try EnvelopeStore.open(at: scratch + "/varied")
    for start in stride(from: 0, to: varied.count, by: 1000) {
        _ = try store.ingestAndWait(Array(varied[start..<(start + 1000)]))
    }
    let stats = try store.stats()
    report("mailvault_store file/rlp, random payloads of 768-1280 bytes", Double(stats.fileBytes) / Double(stats.rawBytes), "x")
    store.close()
    try? FileManager.default.removeItem(atPath: scratch + "/varied")
}
for directory in ["/store-hashing", "/store-precomputed", "/store-two", "/c-lmdb"] {
    try? FileManager.default.removeItem(atPath: scratch + directory)
}
try? FileManager.default.removeItem(atPath: sqlitePath)
try? FileManager.default.removeItem(atPath: sqlitePath + "-wal")

// MARK: 4. Compressible payloads

let words = ["the", "message", "chat", "status", "hello", "group", "sent", "public", "key", "contact",
             "image", "reply", "emoji", "sticker", "community", "channel", "profile", "online", "\"text\":",
             "{\"clock\":", "\"timestamp\":", "\"chatId\":", "\"contentType\":1,", "\"responseTo\":\"\","]
let textEnvelopes: [Envelope] = (0..<20_000).map { index in
    var text: [UInt8] = []
    while text.count < 1024 {
        text += Array(words[Int(generator.next() % UInt64(words.count))].utf8) + [0x20]
    }
    let sent = base + UInt32(index)
    return Envelope(expiry: sent + 50, ttl: 50, topic: Topic(rawValue: UInt32(index % 100)),
                    data: Array(text.prefix(1024)), nonce: UInt64(index))
}
/// Short chat-like JSON messages (150-300 bytes): where a dictionary pays most, since each
/// message alone has little to compress and much in common with the others.
let chatWords = ["hello", "see", "you", "tomorrow", "ok", "thanks", "the", "meeting", "at", "noon", "sure", "why",
                 "not", "call", "me", "later", "on", "my", "way", "good", "night", "and", "photo", "great"]
let chatEnvelopes: [Envelope] = (0..<20_000).map { index in
    var text = ""
    for _ in 0..<(3 + Int(generator.next() % 14)) { text += chatWords[Int(generator.next() % UInt64(chatWords.count))] + " " }
    let json = "{\"clock\":\(1_700_000_000_000 + generator.next() % 1_000_000_000),\"chatId\":\"0x\(String(generator.next(), radix: 16))\","
        + "\"contentType\":1,\"messageType\":\"one-to-one\",\"text\":\"\(text)\",\"responseTo\":\"\",\"ensName\":\"\"}"
    let sent = base + UInt32(index)
    return Envelope(expiry: sent + 50, ttl: 50, topic: Topic(rawValue: UInt32(index % 100)), data: Array(json.utf8),
                    nonce: UInt64(index))
}
let randomSample = Array(ingestEnvelopes.prefix(20_000))

/// Ingests `envelopes` in batches of 1000 (a quarter first; with a dictionary policy, the
/// dictionary is trained from that quarter), then `random`; returns the zstd ratio (raw/stored)
/// of the three quarters ingested after training, of the random envelopes, and the dictionary.
func compressionRatios(_ envelopes: [Envelope], dictionary: DictionaryPolicy?, random: [Envelope]) throws
    -> (after: Double, random: Double, dictionary: StoreDictionary?)
{
    let path = scratch + "/compression"
    try? FileManager.default.removeItem(atPath: path)
    let store = try EnvelopeStore.open(at: path, configuration: StoreConfiguration(dictionary: dictionary))
    defer {
        store.close()
        try? FileManager.default.removeItem(atPath: path)
    }
    let quarter = envelopes.count / 4
    func ingest(_ part: ArraySlice<Envelope>) throws {
        for start in stride(from: part.startIndex, to: part.endIndex, by: 1000) {
            _ = try store.ingestAndWait(Array(part[start..<min(start + 1000, part.endIndex)]))
        }
    }
    try ingest(envelopes[0..<quarter])
    var trained: StoreDictionary?
    if dictionary != nil {
        let box = TrainedBox()
        let done = DispatchSemaphore(value: 0)
        Task {
            do throws(StoreError) {
                box.result = .success(try await store.trainDictionary())
            } catch {
                box.result = .failure(error)
            }
            done.signal()
        }
        done.wait()
        trained = try box.result?.get()
    }
    let before = try store.stats()
    try ingest(envelopes[quarter...])
    let middle = try store.stats()
    try ingest(random[...])
    let after = try store.stats()
    return (Double(middle.rawBytes - before.rawBytes) / Double(middle.storedBytes - before.storedBytes),
            Double(after.rawBytes - middle.rawBytes) / Double(after.storedBytes - middle.storedBytes), trained)
}

final class TrainedBox: @unchecked Sendable {
    var result: Result<StoreDictionary?, StoreError>?
}

print("## zstd ratio (raw RLP bytes / stored record bytes), level 3, with and without a dictionary")
print("# dictionary: DictionaryPolicy() defaults (at most 32 KiB), trained from the first 5,000 envelopes;")
print("# ratios of the 15,000 ingested after training, then of 20,000 random 1 KiB envelopes")
for (name, envelopes) in [("text-like 1 KiB", textEnvelopes), ("chat JSON 150-300 B", chatEnvelopes)] {
    let plain = try compressionRatios(envelopes, dictionary: nil, random: randomSample)
    let withDictionary = try compressionRatios(envelopes, dictionary: DictionaryPolicy(), random: randomSample)
    report("zstd ratio, \(name) payloads, no dictionary", plain.after, "raw/stored")
    report("zstd ratio, \(name) payloads, dictionary", withDictionary.after,
           "raw/stored (\(withDictionary.dictionary.map { "\($0.bytes) B from \($0.samples) samples" } ?? "none trained"))")
    report("zstd ratio, random payloads after \(name), no dictionary", plain.random, "raw/stored")
    report("zstd ratio, random payloads after \(name), dictionary", withDictionary.random, "raw/stored")
}

// MARK: 3. Topic queries

let span: UInt32 = 30 * 86_400
let sparseTopics = (0..<10).map { Topic(rawValue: 0xAB00_0000 + UInt32($0)) }
let denseTopics = (0..<10).map { Topic(rawValue: 0xCD00_0000 + UInt32($0)) }
var queryEnvelopes: [Envelope] = []
queryEnvelopes.reserveCapacity(queryStoreCount)
let sparseSlots = Set((0..<100).map { _ in Int(generator.next() % UInt64(queryStoreCount)) })
for index in 0..<queryStoreCount {
    let sent = base + UInt32(UInt64(index) * UInt64(span) / UInt64(queryStoreCount))
    let topic: Topic
    if sparseSlots.contains(index) {
        topic = sparseTopics[index % 10]
    } else if generator.next() % 100 == 0 {
        topic = denseTopics[Int(generator.next() % 10)]
    } else {
        topic = Topic(rawValue: UInt32(generator.next() % 10_000))
    }
    queryEnvelopes.append(Envelope(expiry: sent + 3600, ttl: 3600, topic: topic, data: generator.bytes(100),
                                   nonce: generator.next()))
}
let sparseCount = queryEnvelopes.filter { sparseTopics.contains($0.topic) }.count
let queryWork = Envelope.checkWork(batch: queryEnvelopes)
let queryStorePath = scratch + "/query-store"
let statusPath = scratch + "/statusgo"
try FileManager.default.createDirectory(atPath: statusPath, withIntermediateDirectories: true)
let buildStart = clock.now
let queryStore = try EnvelopeStore.open(at: queryStorePath)
for start in stride(from: 0, to: queryStoreCount, by: 10_000) {
    let end = min(start + 10_000, queryStoreCount)
    _ = try queryStore.ingestAndWait(Array(queryEnvelopes[start..<end]), work: Array(queryWork[start..<end]))
}
let buildSeconds = seconds(clock.now - buildStart)
do {
    let statusFlat = Flat(queryEnvelopes, hashes: queryWork.map(\.hash), keyWithTopic: true)
    let result = statusFlat.keys.withUnsafeBufferPointer { keys in
        statusFlat.values.withUnsafeBufferPointer { values in
            statusFlat.offsets.withUnsafeBufferPointer { offsets in
                baseline_statusgo_build(statusPath, keys.baseAddress, values.baseAddress, offsets.baseAddress,
                                        queryStoreCount, 10_000)
            }
        }
    }
    guard result == 0 else { fail("status-go layout build failed: \(result)") }
}

func percentile(_ samples: [Double], _ p: Double) -> Double {
    let sorted = samples.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

func timeQueries(_ runs: Int, _ body: (Int) throws -> Int) rethrows -> (median: Double, p99: Double, results: Int) {
    var samples: [Double] = []
    var results = 0
    for run in 0..<(runs + 10) {
        let start = clock.now
        let count = try body(run)
        let elapsed = seconds(clock.now - start) * 1000
        if run >= 10 {
            samples.append(elapsed)
            results = count
        }
    }
    return (percentile(samples, 0.5), percentile(samples, 0.99), results)
}

let end = base + span
let sparseStore = try timeQueries(300) { _ in
    try queryStore.query(HistoryQuery(from: base, to: end, topics: sparseTopics, limit: 100)).envelopes.count
}
let sparseScan = timeQueries(30) { _ in
    sparseTopics.map(\.rawValue).withUnsafeBufferPointer { topics in
        Int(baseline_statusgo_query(statusPath, base, end, topics.baseAddress, 10, 100, nil))
    }
}
let denseFrom = (0..<400).map { _ in base + UInt32(generator.next() % UInt64(span - 86_400)) }
let denseStore = try timeQueries(300) { run in
    try queryStore.query(HistoryQuery(from: denseFrom[run], to: end, topics: denseTopics, limit: 100)).envelopes.count
}
let denseScan = timeQueries(300) { run in
    denseTopics.map(\.rawValue).withUnsafeBufferPointer { topics in
        Int(baseline_statusgo_query(statusPath, denseFrom[run], end, topics.baseAddress, 10, 100, nil))
    }
}
baseline_statusgo_close()
let queryStats = try queryStore.stats()

print("## 10-topic query, limit 100, store of \(queryStoreCount) envelopes over 30 days (built in \(String(format: "%.1f", buildSeconds)) s)")
print("# sparse: the 10 topics hold \(sparseCount) envelopes in all (a client syncing its chats for 30 days)")
report("store sparse median", sparseStore.median, "ms (goal < 2)")
report("store sparse p99", sparseStore.p99, "ms")
report("store sparse results", Double(sparseStore.results), "envelopes")
report("status-go scan sparse median", sparseScan.median, "ms")
report("status-go scan sparse p99", sparseScan.p99, "ms")
report("ratio scan/store sparse (median)", sparseScan.median / sparseStore.median, "x (goal >= 50)")
print("# dense: the 10 topics carry 1% of all traffic; random start within the 30 days")
report("store dense median", denseStore.median, "ms")
report("store dense p99", denseStore.p99, "ms")
report("status-go scan dense median", denseScan.median, "ms")
report("status-go scan dense p99", denseScan.p99, "ms")
report("ratio scan/store dense (median)", denseScan.median / denseStore.median, "x")
report("query store file/rlp (100-byte payloads)", Double(queryStats.fileBytes) / Double(queryStats.rawBytes), "x")
queryStore.close()
