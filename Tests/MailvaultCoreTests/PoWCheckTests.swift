import MailvaultBench
import MailvaultCore
import Testing

@Suite("PoW checks")
struct PoWCheckTests {
    @Test("batch checks equal one-by-one checks and the independent vectors", arguments: KeccakKernel.available)
    func batch(kernel: KeccakKernel) throws {
        let vectors = try Vectors.envelopes()
        let envelopes = try vectors.map { vector in
            Envelope(expiry: vector.expiry, ttl: vector.ttl, topic: try Topic(hex: vector.topic),
                     data: try vector.dataBytes(), nonce: vector.nonce)
        }
        let checks = Envelope.checkWork(batch: envelopes, kernel: kernel)
        #expect(checks == envelopes.map { $0.checkWork() })
        let hashes = Envelope.hashes(batch: envelopes, kernel: kernel)
        #expect(hashes.map(\.description) == vectors.map { "0x" + $0.hash })
        for (check, vector) in zip(checks, vectors) {
            #expect(check.hash.description == "0x" + vector.hash)
            #expect(check.powHash.description == "0x" + vector.powHash)
            #expect(check.pow() == vector.pow)
        }
    }

    @Test("a decoded packet checks the same in a batch as alone")
    func packet() throws {
        var generator = SplitMix64(seed: 5)
        let envelopes = (0..<37).map { index in
            Envelope(expiry: 1_700_000_000 + UInt32(index), ttl: UInt32(1 + generator.next() % 1000),
                     topic: Topic(rawValue: UInt32(truncatingIfNeeded: generator.next())),
                     data: Vectors.pattern(seed: index, length: Int(generator.next() % 3000)), nonce: generator.next())
        }
        let decoded = try Envelope.decodePacket(Envelope.encodePacket(envelopes))
        let checks = Envelope.checkWork(batch: decoded)
        for (check, envelope) in zip(checks, envelopes) {
            #expect(check.hash == envelope.hash)
            #expect(check.pow() == envelope.pow())
            #expect(check.pow(diff: 3) == envelope.pow(diff: 3))
        }
        #expect(Envelope.checkWork(batch: []).isEmpty)
        #expect(Envelope.hashes(batch: decoded) == envelopes.map(\.hash))
        #expect(Envelope.hashes(batch: []).isEmpty)
    }

    @Test("ingest rules accept a precomputed check")
    func ingestWithCheck() {
        let envelope = Envelope(expiry: 1_000_100, ttl: 100, topic: Topic(1, 2, 3, 4), data: [1, 2, 3], nonce: 77)
        let policy = IngestPolicy(minimumPoW: 0)
        let check = Envelope.checkWork(batch: [envelope])[0]
        #expect((try? policy.check(envelope, now: 1_000_000, work: check).get()) == envelope.pow())
        #expect((try? policy.check(envelope, now: 999_995, work: check).get()) == envelope.pow(diff: 6))
    }
}
