import MailvaultBench
import MailvaultCore
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
