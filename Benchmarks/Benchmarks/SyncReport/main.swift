import Foundation
import MailvaultBench
import MailvaultCore
import MailvaultFederation
import MailvaultStore
import MailvaultSync

// The in-process half of the sync benchmark (Benchmarks/sync-bench runs the processes):
//   SyncReport populate A B COUNT DIFF OUT   two stores of COUNT envelopes (64-320-byte payloads,
//                                            1000 topics, sent times over 30 days) that differ by
//                                            DIFF envelopes, half only in A and half only in B,
//                                            spread at random; OUT/only-a.rlp and OUT/only-b.rlp
//                                            hold the differing envelopes, OUT/all-b.rlp all of B's
//   SyncReport reconcile A B [FRAME]         Negentropy in process, A initiating over its whole
//                                            set, B responding: every message's bytes, the
//                                            exchanges, what each side lacks, the time, and the
//                                            bytes of B's full key list for comparison
//   SyncReport live FILE COUNT               COUNT single envelopes sent now, one hex RLP packet a
//                                            line, for the relay latency load (relay-latency.py)
// Every figure is one line `name value unit`.

enum Layout {
    static let base: UInt32 = 1_700_000_000
    static let span: UInt32 = 30 * 86_400
    static let topics = 1000
}

func report(_ name: String, _ value: Double, _ unit: String) {
    print("\(name) \(value) \(unit)")
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("SyncReport: \(message)\n".utf8))
    exit(1)
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Envelope `index` of the deterministic workload.
func envelope(_ index: Int, _ random: inout SplitMix64) -> Envelope {
    let sent = Layout.base + UInt32(random.next() % UInt64(Layout.span))
    let size = 64 + Int(random.next() % 257)
    var data = [UInt8](repeating: 0, count: size)
    for offset in stride(from: 0, to: size, by: 8) {
        var word = random.next()
        for byte in offset..<min(offset + 8, size) {
            data[byte] = UInt8(truncatingIfNeeded: word)
            word >>= 8
        }
    }
    let topic = Topic(rawValue: 0x5000_0000 + UInt32(random.next() % UInt64(Layout.topics)))
    return Envelope(expiry: sent + 86_400, ttl: 86_400, topic: topic, data: data, nonce: UInt64(index))
}

func populate(_ a: String, _ b: String, count: Int, diff: Int, out: String) async throws {
    var random = SplitMix64(seed: 0x5eed_16)
    var choice = SplitMix64(seed: 0xd1ff)
    // DIFF distinct positions: the first half only in A, the second only in B.
    var differing = Set<Int>()
    while differing.count < diff { differing.insert(Int(choice.next() % UInt64(count))) }
    let onlyA = Set(differing.sorted().enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    let files = ["only-a.rlp", "only-b.rlp", "all-b.rlp"].map { name -> FileHandle in
        FileManager.default.createFile(atPath: out + "/" + name, contents: nil)
        return FileHandle(forWritingAtPath: out + "/" + name)!
    }
    let storeA = try EnvelopeStore.open(at: a, configuration: StoreConfiguration())
    let storeB = try EnvelopeStore.open(at: b, configuration: StoreConfiguration())
    var batchA: [Envelope] = [], batchB: [Envelope] = []
    var bytes: [[UInt8]] = [[], [], []]
    func flush(force: Bool) async throws {
        if batchA.count >= 1000 || (force && !batchA.isEmpty) { _ = try await storeA.ingest(batchA, work: nil); batchA = [] }
        if batchB.count >= 1000 || (force && !batchB.isEmpty) { _ = try await storeB.ingest(batchB, work: nil); batchB = [] }
        for (index, chunk) in bytes.enumerated() where chunk.count > 4 << 20 || (force && !chunk.isEmpty) {
            files[index].write(Data(chunk))
            bytes[index] = []
        }
    }
    for index in 0..<count {
        let item = envelope(index, &random)
        let inA = !differing.contains(index) || onlyA.contains(index)
        let inB = !differing.contains(index) || !onlyA.contains(index)
        if inA { batchA.append(item) }
        if inB {
            batchB.append(item)
            bytes[2] += item.encoded
        }
        if !inB { bytes[0] += item.encoded }
        if !inA { bytes[1] += item.encoded }
        try await flush(force: false)
    }
    try await flush(force: true)
    for file in files { try file.close() }
    let countA = try storeA.stats().envelopes, countB = try storeB.stats().envelopes
    storeA.close()
    storeB.close()
    report("populated_a", Double(countA), "envelopes")
    report("populated_b", Double(countB), "envelopes")
}

/// The responder side, counted.
struct Exchange {
    var exchanges = 0
    var bytesOut = 0
    var bytesIn = 0
    var have = 0
    var need = 0
}

func reconcile(_ a: String, _ b: String, frame: Int) throws {
    let storeA = try EnvelopeStore.open(at: a, configuration: StoreConfiguration())
    let storeB = try EnvelopeStore.open(at: b, configuration: StoreConfiguration())
    defer {
        storeA.close()
        storeB.close()
    }
    let options = ReconcilerOptions(frameSizeLimit: frame)
    var initiator = try Reconciler(index: ArchiveSyncIndex(archive: storeA), options: options)
    let responder = try Reconciler(index: ArchiveSyncIndex(archive: storeB), options: options)
    var counted = Exchange()
    let started = ContinuousClock.now
    var message = try initiator.initiate()
    var firstRoundTrip = 0
    while true {
        counted.exchanges += 1
        counted.bytesOut += message.count
        let answer = try responder.respond(to: message)
        counted.bytesIn += answer.count
        if counted.exchanges == 1 { firstRoundTrip = message.count + answer.count }
        let step = try initiator.reconcile(answer)
        counted.have += step.have.count
        counted.need += step.need.count
        guard let next = step.next else { break }
        message = next
    }
    let elapsed = seconds(started.duration(to: .now))
    let keyList = Double(try storeB.stats().envelopes) * 36
    report("exchanges", Double(counted.exchanges), "requests")
    report("first_round_trip_bytes", Double(firstRoundTrip), "bytes")
    report("message_bytes_out", Double(counted.bytesOut), "bytes")
    report("message_bytes_in", Double(counted.bytesIn), "bytes")
    report("message_bytes", Double(counted.bytesOut + counted.bytesIn), "bytes")
    report("key_list_bytes", keyList, "bytes")
    report("key_list_over_message_bytes", keyList / Double(max(1, counted.bytesOut + counted.bytesIn)), "x")
    report("have", Double(counted.have), "keys")
    report("need", Double(counted.need), "keys")
    report("reconcile_seconds", elapsed, "s")
}

func live(_ path: String, count: Int) throws {
    let now = UInt32(Date().timeIntervalSince1970)
    var random = SplitMix64(seed: UInt64(now))
    var lines = ""
    for index in 0..<count {
        var data = [UInt8](repeating: 0, count: 200)
        for offset in data.indices { data[offset] = UInt8(truncatingIfNeeded: random.next()) }
        let item = Envelope(expiry: now + 3600, ttl: 3600, topic: Topic(rawValue: 0x5100_0000 + UInt32(index % 100)),
                            data: data, nonce: UInt64(index))
        lines += Hex.encode(Envelope.encodePacket([item])) + "\n"
    }
    try lines.write(toFile: path, atomically: true, encoding: .utf8)
}

let arguments = CommandLine.arguments
do {
    switch arguments.count > 1 ? arguments[1] : "" {
    case "populate" where arguments.count == 7:
        guard let count = Int(arguments[4]), let diff = Int(arguments[5]), diff <= count else { fail("bad COUNT or DIFF") }
        try await populate(arguments[2], arguments[3], count: count, diff: diff, out: arguments[6])
    case "reconcile" where arguments.count >= 4:
        try reconcile(arguments[2], arguments[3], frame: arguments.count > 4 ? Int(arguments[4]) ?? 0 : (1 << 20) - 1024)
    case "live" where arguments.count == 4:
        guard let count = Int(arguments[3]) else { fail("bad COUNT") }
        try live(arguments[2], count: count)
    default:
        fail("usage: SyncReport populate A B COUNT DIFF OUT | reconcile A B [FRAME] | live FILE COUNT")
    }
} catch {
    fail("\(error)")
}
