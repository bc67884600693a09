import MailvaultBench
import MailvaultCore
import Testing

@Suite("Envelope")
struct EnvelopeTests {
    @Test("public vector: TTL 1, expiry 0, topic 00000000, data deadbeef")
    func publicVector() throws {
        let low = Envelope(expiry: 0, ttl: 1, topic: Topic(rawValue: 0), data: [0xde, 0xad, 0xbe, 0xef], nonce: 100_000)
        #expect(Hex.encode(low.rlpWithoutNonce) == "cc8001840000000084deadbeef")
        #expect(low.powHash.description == "0xa788e02a95bfc673709e97ca81e39ca903bad5638d3388964c51eb64952172d6")
        #expect(low.pow() == 0.07692307692307693)
        let high = low.withNonce(276)
        #expect(high.powHash.description == "0x00e2374c6353c243e4073e209a7f2acb2506522af318b3b78cf9a88310a2a11c")
        #expect(high.pow() == 19.692307692307693)
        #expect(high.size == 24)
        #expect(high.sentTime == UInt32.max)
    }

    @Test("matches the independent implementation field by field")
    func generated() throws {
        let vectors = try Vectors.envelopes()
        #expect(vectors.count >= 40)
        for vector in vectors {
            let data = try vector.dataBytes()
            let built = Envelope(expiry: vector.expiry, ttl: vector.ttl, topic: try Topic(hex: vector.topic),
                                 data: data, nonce: vector.nonce)
            if let rlp = vector.rlp {
                #expect(Hex.encode(built.encoded) == rlp)
                let decoded = try Envelope(decoding: try Hex.decode(rlp))
                #expect(decoded == built)
                #expect(decoded.expiry == vector.expiry && decoded.ttl == vector.ttl && decoded.nonce == vector.nonce)
                #expect(Array(decoded.data) == data)
            }
            if let rlpLength = vector.rlpLength { #expect(built.encoded.count == rlpLength) }
            if let prefix = vector.rlpWithoutNonce { #expect(Hex.encode(built.rlpWithoutNonce) == prefix) }
            if let length = vector.rlpWithoutNonceLength { #expect(built.rlpWithoutNonce.count == length) }
            #expect(built.hash.description == "0x" + vector.hash)
            #expect(built.powHash.description == "0x" + vector.powHash)
            #expect(built.powHash.leadingZeroBitCount == vector.leadingZeros)
            #expect(built.pow() == vector.pow, "pow of \(vector.hash)")
            #expect(built.bloom.description == "0x" + vector.bloom)
            #expect(built.size == vector.size)
            #expect(built.sentTime == vector.sent)
        }
    }

    @Test("every malformed envelope is refused with its rule's error")
    func invalid() throws {
        let vectors = try Vectors.invalidEnvelopes()
        #expect(vectors.count >= 25)
        var seen = Set<String>()
        for vector in vectors {
            let bytes = try Hex.decode(vector.rlp)
            do {
                _ = try Envelope(decoding: bytes)
                Issue.record("accepted \(vector.name)")
            } catch {
                #expect(error.code == vector.error, "\(vector.name): \(error)")
                seen.insert(error.code)
            }
        }
        #expect(seen.count == 10)
    }

    @Test("hash is taken over the bytes as received")
    func hashOverInput() throws {
        let envelope = Envelope(expiry: 1_700_000_000, ttl: 50, topic: Topic(1, 2, 3, 4), data: [1, 2, 3], nonce: 9)
        let bytes = Array(envelope.encoded)
        let decoded = try Envelope(decoding: bytes)
        #expect(decoded.hash == Keccak256.hash(bytes))
        #expect(Array(decoded.encoded) == bytes)
    }

    @Test("a messages packet decodes into envelopes that share its storage")
    func packet() throws {
        let envelopes = (0..<5).map {
            Envelope(expiry: 1000 + UInt32($0), ttl: 10, topic: Topic(rawValue: UInt32($0)),
                     data: [UInt8](repeating: UInt8($0), count: $0 * 40), nonce: UInt64($0))
        }
        let packet = Envelope.encodePacket(envelopes)
        let decoded = try Envelope.decodePacket(packet)
        #expect(decoded == envelopes)
        #expect(decoded.map(\.hash) == envelopes.map(\.hash))
        #expect(try Envelope.decodePacket([0xC0]).isEmpty)
        #expect(throws: EnvelopeError.rlp(.trailingBytes)) { try Envelope.decodePacket(packet + [0x80]) }
        #expect(throws: EnvelopeError.rlp(.expectedList)) { try Envelope.decodePacket([0xC1, 0x80]) }
    }

    @Test("random envelopes round-trip: decode(encode(e)) == e and encode(decode(b)) == b")
    func roundTrip() throws {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<300 {
            let length = Int(generator.next() % 300)
            let envelope = Envelope(
                expiry: UInt32(truncatingIfNeeded: generator.next() >> UInt64(generator.next() % 32)),
                ttl: UInt32(truncatingIfNeeded: generator.next() >> UInt64(generator.next() % 32)),
                topic: Topic(rawValue: UInt32(truncatingIfNeeded: generator.next())),
                data: (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) },
                nonce: generator.next() >> (generator.next() % 64))
            let bytes = Array(envelope.encoded)
            let decoded = try Envelope(decoding: bytes)
            #expect(decoded == envelope)
            #expect(Array(decoded.encoded) == bytes)
            #expect(decoded.rlpWithoutNonce == envelope.rlpWithoutNonce)
        }
    }
}
