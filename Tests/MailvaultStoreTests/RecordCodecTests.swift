import MailvaultCore
import MailvaultTestSupport
@testable import MailvaultStore
import Testing

@Suite("Record codec")
struct RecordCodecTests {
    @Test("the fast random-payload test agrees with the plain one (a set of the first 256 bytes)")
    func mayCompressAgreesWithPlain() {
        var random = SplitMix64(seed: 11)
        for trial in 0..<2000 {
            // Alphabets of 1...256 values around the threshold of 128, and short payloads.
            let alphabet = 1 + Int(random.next() % 256)
            let length = trial % 10 == 0 ? Int(random.next() % 300) : 256 + Int(random.next() % 512)
            let data = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next() % UInt64(alphabet)) }
            let slice = data[...].dropFirst(Int(random.next() % 3))
            #expect(RecordCodec.mayCompress(slice) == RecordCodec.mayCompressPlain(slice))
        }
    }
}

@Suite("Batch preparation")
struct PreparationTests {
    @Test("preparing a batch on several threads gives what one thread gives, in the same order")
    func lanesAgreeWithOneThread() throws {
        let directory = TemporaryDirectory("prepare")
        defer { directory.remove() }
        let store = try EnvelopeStore.open(at: directory.path)
        defer { store.close() }
        var factory = EnvelopeFactory(seed: 41)
        for count in [0, 1, 255, 256, 513, 1000, 1537] {
            var envelopes: [Envelope] = []
            for index in 0..<count {
                envelopes.append(factory.envelope(sent: UInt32(3000 + index % 17), compressible: index % 3 == 0))
            }
            let work = Envelope.checkWork(batch: envelopes)
            let givens: [[PoWCheck]?] = [nil, work]
            for given in givens {
                let prepared = try store.prepare(envelopes, work: given, lanes: 1)
                let (plain, plainOrder) = (prepared.envelopes, prepared.order)
                // The PoW is recorded when the caller's checks bring it; a store without tiers
                // leaves it unset otherwise.
                let expectedPoW = given.map { $0.map { Float($0.pow()).bitPattern } }
                    ?? Array(repeating: Float.nan.bitPattern, count: count)
                #expect(plain.map { $0.pow.bitPattern } == expectedPoW)
                #expect(plain.map { $0.key } == zip(envelopes, work).map { EnvelopeKey(sent: $0.sentTime, hash: $1.hash) })
                for lanes in [2, 3, 7] {
                    let batch = try store.prepare(envelopes, work: given, lanes: lanes)
                    let (fast, order) = (batch.envelopes, batch.order)
                    #expect(order == plainOrder)
                    #expect(fast.map { $0.key } == plain.map { $0.key })
                    #expect(fast.map { $0.record } == plain.map { $0.record })
                    #expect(fast.map { $0.topic } == plain.map { $0.topic })
                    #expect(fast.map { $0.pow.bitPattern } == plain.map { $0.pow.bitPattern })
                    #expect(fast.map { $0.rawLength } == plain.map { $0.rawLength })
                }
            }
        }
    }
}
