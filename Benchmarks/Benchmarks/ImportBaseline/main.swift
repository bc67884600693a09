import Foundation
import MailvaultBench
import MailvaultCore
import MailvaultStore
import StoreBaselines

// The two sides of the import benchmark (Benchmarks/import-bench runs them as whole processes):
//   ImportBaseline generate FILE COUNT PAYLOAD TOPICS
//       writes COUNT envelopes with random PAYLOAD-byte payloads (or "LOW-HIGH"), sent times
//       spread over 30 days in key order, each with one of TOPICS random topics (0: a topic of
//       its own each), as an envelope stream (Docs/Storage.md), what `mailvault import` reads;
//   ImportBaseline load FILE DIR
//       the store benchmark's C loop from that file: reads and decodes the stream, hashes each
//       envelope (keccak256, as the store does), and puts `BE32(sent) ++ hash` -> RLP into a
//       plain LMDB database in DIR, in durable commits of 1000.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ImportBaseline: \(message)\n".utf8))
    exit(1)
}

var random = SplitMix64(seed: 0x0DDB_A11C_0FFE_E000)

let arguments = CommandLine.arguments
switch arguments.count > 1 ? arguments[1] : "" {
case "generate":
    guard arguments.count == 6, let count = Int(arguments[3]), let topicCount = Int(arguments[5]) else {
        fail("usage: ImportBaseline generate FILE COUNT PAYLOAD|LOW-HIGH TOPICS")
    }
    let sizes = arguments[4].split(separator: "-").compactMap { Int($0) }
    guard !sizes.isEmpty, sizes.count <= 2 else { fail("PAYLOAD is a size or LOW-HIGH") }
    let (low, high) = (sizes[0], sizes.last!)
    let topics = (0..<max(topicCount, 1)).map { _ in Topic(rawValue: UInt32(truncatingIfNeeded: random.next())) }
    var envelopes: [Envelope] = []
    envelopes.reserveCapacity(count)
    let base: UInt32 = 1_700_000_000
    for index in 0..<count {
        let sent = base + UInt32(UInt64(index) * UInt64(30 * 86_400) / UInt64(count))
        let topic = topicCount == 0 ? Topic(rawValue: UInt32(truncatingIfNeeded: random.next())) : topics[Int(random.next() % UInt64(topicCount))]
        let length = low + Int(random.next() % UInt64(high - low + 1))
        var data: [UInt8] = []
        data.reserveCapacity(length + 8)
        while data.count < length { withUnsafeBytes(of: random.next()) { data.append(contentsOf: $0) } }
        envelopes.append(Envelope(expiry: sent + 86_400, ttl: 86_400, topic: topic, data: Array(data.prefix(length)),
                                  nonce: random.next()))
    }
    // Key order, as a provider's export writes them.
    let hashes = Envelope.hashes(batch: envelopes)
    let order = envelopes.indices.sorted {
        EnvelopeKey(sent: envelopes[$0].sentTime, hash: hashes[$0]) < EnvelopeKey(sent: envelopes[$1].sentTime, hash: hashes[$1])
    }
    var out = Data()
    for index in order { out.append(contentsOf: envelopes[index].encoded) }
    guard FileManager.default.createFile(atPath: arguments[2], contents: out) else { fail("cannot write \(arguments[2])") }
case "load":
    guard arguments.count == 4 else { fail("usage: ImportBaseline load FILE DIR") }
    guard let handle = FileHandle(forReadingAtPath: arguments[2]) else { fail("cannot read \(arguments[2])") }
    var envelopes: [Envelope] = []
    do {
        let reader = try EnvelopeStreamReader(handle: handle)
        while let envelope = try reader.next() { envelopes.append(envelope) }
    } catch {
        fail("\(arguments[2]): \(error)")
    }
    let hashes = Envelope.hashes(batch: envelopes)
    var keys: [UInt8] = []
    keys.reserveCapacity(envelopes.count * EnvelopeKey.byteCount)
    var values: [UInt8] = []
    var offsets = [0]
    offsets.reserveCapacity(envelopes.count + 1)
    for (envelope, hash) in zip(envelopes, hashes) {
        keys += EnvelopeKey(sent: envelope.sentTime, hash: hash).bytes
        values += envelope.encoded
        offsets.append(values.count)
    }
    try? FileManager.default.createDirectory(atPath: arguments[3], withIntermediateDirectories: true)
    let rc = keys.withUnsafeBufferPointer { k in
        values.withUnsafeBufferPointer { v in
            offsets.withUnsafeBufferPointer { o in
                baseline_lmdb_ingest(arguments[3], k.baseAddress, EnvelopeKey.byteCount, v.baseAddress, o.baseAddress,
                                     envelopes.count, 1000)
            }
        }
    }
    guard rc == 0 else { fail("LMDB error \(rc)") }
default:
    fail("usage: ImportBaseline generate FILE COUNT PAYLOAD TOPICS | load FILE DIR")
}
