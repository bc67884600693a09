import MailvaultCore
import MailvaultSync
import Testing

@Suite("Fingerprint and KeySetSummary")
struct FingerprintTests {
    @Test("sums and fingerprints agree with the Python implementation")
    func vectors() throws {
        for vector in try SyncVectors.load().fingerprints {
            var summary = KeySetSummary.empty
            if let ids = vector.ids {
                for id in ids { summary.add(try Hash256(hex: id)) }
            } else {
                for index in 0..<(vector.patternCount ?? 0) {
                    summary.add(SyncVectors.patternID(seed: vector.patternSeed ?? 0, index: index))
                }
            }
            #expect(Hex.encode(summary.sumBytes) == vector.sum, "\(vector.name)")
            #expect(Fingerprint(summary).description == vector.fingerprint, "\(vector.name)")
        }
    }

    @Test("summaries are additive and subtractive")
    func additive() throws {
        let ids = (0..<50).map { SyncVectors.patternID(seed: 9, index: $0) }
        var all = KeySetSummary.empty, first = KeySetSummary.empty, second = KeySetSummary.empty
        for id in ids { all.add(id) }
        for id in ids[..<20] { first.add(id) }
        for id in ids[20...] { second.add(id) }
        var joined = first
        joined.add(second)
        #expect(joined == all)
        joined.subtract(second)
        #expect(joined == first)
        for id in ids[..<20] { joined.subtract(id) }
        #expect(joined == .empty)
        #expect(KeySetSummary(storedBytes: all.storedBytes) == all)
    }

    @Test("a fingerprint is 16 bytes")
    func size() {
        #expect(Fingerprint(bytes: [UInt8](repeating: 1, count: 15)) == nil)
        #expect(Fingerprint(bytes: [UInt8](repeating: 1, count: 16))?.bytes.count == 16)
    }
}
