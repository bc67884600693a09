import Foundation
import MailvaultCore
@testable import MailvaultStore
import Testing

@Suite("Batch preparation")
struct PreparedBatchTests {
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
