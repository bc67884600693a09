import Foundation
import MailvaultCore
@testable import MailvaultStore

/// A small deterministic generator so that property tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init(_ name: String = "store") {
        path = NSTemporaryDirectory() + "mailvault-\(name)-\(UUID().uuidString)"
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Envelopes for tests: random or compressible payloads, topics from a small set.
struct EnvelopeFactory {
    var random: SplitMix64
    var topics: [Topic]

    init(seed: UInt64, topicCount: Int = 8) {
        random = SplitMix64(seed: seed)
        topics = (0..<topicCount).map { Topic(rawValue: UInt32($0) &* 0x0101_0101 &+ 0x0A0B_0C00) }
    }

    mutating func envelope(sent: UInt32, maximumLength: Int = 600, compressible: Bool? = nil,
                           topic: Topic? = nil) -> Envelope {
        let length = Int(random.next() % UInt64(maximumLength + 1))
        let squeeze = compressible ?? (random.next() % 2 == 0)
        var data: [UInt8] = []
        data.reserveCapacity(length)
        for index in 0..<length {
            data.append(squeeze ? UInt8(truncatingIfNeeded: index / 5) : UInt8(truncatingIfNeeded: random.next()))
        }
        let topic = topic ?? topics[Int(random.next() % UInt64(topics.count))]
        return Envelope(expiry: sent &+ 50, ttl: 50, topic: topic, data: data, nonce: random.next())
    }
}

extension Envelope {
    var storeKey: StoreCursor { StoreCursor(sent: sentTime, hash: hash) }
}
