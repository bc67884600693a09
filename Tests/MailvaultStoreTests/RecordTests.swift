import MailvaultBench
import MailvaultCore
@testable import MailvaultStore
import Testing

@Suite("Record layout")
struct RecordTests {
    @Test("records of every kind round-trip; raw records take their topic from the RLP")
    func roundTrip() throws {
        var factory = EnvelopeFactory(seed: 51)
        var random = SplitMix64(seed: 52)
        for index in 0..<400 {
            let envelope = factory.envelope(sent: UInt32(truncatingIfNeeded: random.next() >> (random.next() % 33)),
                                            maximumLength: index % 50 == 0 ? 70_000 : 2000)
            let pow = Float(bitPattern: UInt32(truncatingIfNeeded: random.next()) & 0x7F7F_FFFF)
            let payload = Array(envelope.encoded)
            for kind in [Record.Kind.raw, .zstd, .zstdDictionary] {
                let dictionary = kind == .zstdDictionary ? UInt32(truncatingIfNeeded: random.next() % 100_000) : 0
                let current = Record.encode(kind: kind, topic: envelope.topic, dictionary: dictionary, payload: payload)
                let old = LegacyStores.version4Record(kind: kind, topic: envelope.topic, pow: pow, dictionary: dictionary,
                                                      payload: payload)
                #expect(Record.kind(ofEncoded: current) == kind)
                for (encoded, format) in [(current, Record.Format.version7), (old, .version4)] {
                    // Behind a neighbour and followed by one, as in a block.
                    let block = [UInt8](repeating: 0xEE, count: index % 7) + encoded + [0xFF]
                    let record = try block.withUnsafeBytes { (raw) throws(StoreError) in
                        try Record.parse(block: raw, at: index % 7, format: format)
                    }
                    #expect(record.kind == kind)
                    #expect(record.topic == envelope.topic)
                    #expect(format == .version7 ? record.pow.isNaN : record.pow.bitPattern == pow.bitPattern)
                    #expect(record.dictionary == dictionary)
                    #expect(record.length == encoded.count)
                    #expect(Array(record.payload) == payload)
                }
                if kind == .raw {
                    // The head alone: the length folded with the kind, nothing else.
                    let head = payload.count << 2
                    #expect(current.count == payload.count + (head < 128 ? 1 : head < 16384 ? 2 : 3))
                }
            }
        }
    }

    @Test("the topic read from a raw record's RLP is the decoder's, for every integer width")
    func topicOfRLPAgreesWithDecoder() throws {
        var random = SplitMix64(seed: 53)
        for index in 0..<3000 {
            // Expiry and TTL from 0 and single bytes up to 4-byte values; data up to 3 length bytes.
            let expiry = UInt32(truncatingIfNeeded: random.next() >> (random.next() % 64))
            let ttl = UInt32(truncatingIfNeeded: random.next() >> (random.next() % 64))
            let length = index % 100 == 0 ? 70_000 : Int(random.next() % 300)
            let data = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let topic = Topic(rawValue: UInt32(truncatingIfNeeded: random.next()))
            let envelope = Envelope(expiry: expiry, ttl: ttl, topic: topic, data: data, nonce: random.next())
            let decoded = try Envelope(decoding: Array(envelope.encoded))
            #expect(envelope.encoded.withUnsafeBytes { Record.topicOfRLP($0) } == decoded.topic)
        }
        for bad: [UInt8] in [[], [0x80], [0xC3, 0x80, 0x80, 0x83, 1, 2, 3], [0xC2, 0x80, 0x85], [0xC1, 0x80]] {
            #expect(bad.withUnsafeBytes { Record.topicOfRLP($0) } == nil)
        }
    }

    @Test("schema 3 records still parse, and a truncated record of any format is an error")
    func version3Records() throws {
        var factory = EnvelopeFactory(seed: 54)
        for _ in 0..<200 {
            let envelope = factory.envelope(sent: 1000)
            let old = envelope.encoded.withUnsafeBytes {
                LegacyStores.version3Record(kind: 1, topic: envelope.topic, pow: 0.5, payload: $0)
            }
            let record = try old.withUnsafeBytes { (raw) throws(StoreError) in try Record.parse(block: raw, at: 0, format: .version3) }
            #expect(record.kind == .zstd && record.topic == envelope.topic && record.pow == 0.5)
            #expect(record.length == old.count && Array(record.payload) == Array(envelope.encoded))
            for format in [Record.Format.version3, .version4, .version7] {
                let bytes = format == .version3 ? old
                    : format == .version4 ? LegacyStores.version4Record(kind: .raw, topic: envelope.topic, pow: 0.5,
                                                                         payload: Array(envelope.encoded))
                    : Record.encode(kind: .raw, topic: envelope.topic, payload: envelope.encoded)
                let cut = Array(bytes.dropLast())
                #expect(throws: StoreError.self) {
                    _ = try cut.withUnsafeBytes { (raw) throws(StoreError) -> Int in try Record.parse(block: raw, at: 0, format: format).length }
                }
            }
        }
        // Kind 2 did not exist in schema 3; kind 3 does not exist at all.
        for (bytes, format) in [([UInt8]([2, 0, 0, 0, 0, 0, 0, 0, 0, 0]), Record.Format.version3), ([3, 0, 0, 0, 0, 0], .version4)] {
            #expect(throws: StoreError.self) {
                _ = try bytes.withUnsafeBytes { (raw) throws(StoreError) -> Int in try Record.parse(block: raw, at: 0, format: format).length }
            }
        }
    }
}
