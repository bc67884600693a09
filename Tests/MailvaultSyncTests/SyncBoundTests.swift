import MailvaultCore
import MailvaultSync
import Testing

@Suite("SyncBound")
struct SyncBoundTests {
    func item(_ timestamp: UInt64, _ hex: String) -> SyncItem {
        SyncItem(timestamp: timestamp, id: try! Hash256(hex: hex + String(repeating: "0", count: 64 - hex.count)))
    }

    @Test("a prefix stands for itself padded with zeros")
    func padding() throws {
        let short = try #require(SyncBound(timestamp: 5, prefix: [0xAB]))
        let long = try #require(SyncBound(timestamp: 5, prefix: [0xAB, 0x00]))
        #expect(short == long)
        #expect(short.prefixLength == 1 && long.prefixLength == 2)
        #expect(short.isAtOrBelow(item(5, "ab")))
        #expect(!short.isAtOrBelow(item(5, "aa ff".replacingOccurrences(of: " ", with: ""))))
        #expect(short.isAtOrBelow(item(6, "00")))
        #expect(SyncBound(timestamp: 5, prefix: [UInt8](repeating: 0, count: 33)) == nil)
    }

    @Test("infinity is above every item and drops its prefix")
    func infinity() throws {
        #expect(SyncBound(timestamp: .max, prefix: [1, 2]) == .infinity)
        #expect(SyncBound(timestamp: .max, prefix: [1, 2])?.prefixLength == 0)
        #expect(!SyncBound.infinity.isAtOrBelow(item(.max - 1, "ff")))
        #expect(SyncBound.zero.isAtOrBelow(item(0, "00")))
    }

    @Test("the separating bound is the shortest, as the reference computes it", arguments: [
        (1, "aa", 2, "00", 2, ""),
        (7, "1234", 7, "1256", 7, "1256"),
        (7, "12", 7, "13", 7, "13"),
        (7, "ffff00", 7, "ffff01", 7, "ffff01"),
    ])
    func separating(t1: UInt64, id1: String, t2: UInt64, id2: String, expectedTime: UInt64, expectedPrefix: String) throws {
        let bound = SyncBound.separating(item(t1, id1), item(t2, id2))
        #expect(bound.timestamp == expectedTime)
        #expect(Hex.encode(bound.prefix) == expectedPrefix)
        #expect(!bound.isAtOrBelow(item(t1, id1)))
        #expect(bound.isAtOrBelow(item(t2, id2)))
    }

    @Test("ids differing only in the last byte get a full-length prefix")
    func fullLength() throws {
        let a = SyncItem(timestamp: 1, id: Hash256(w0: 1, w1: 2, w2: 3, w3: 4))
        let b = SyncItem(timestamp: 1, id: Hash256(w0: 1, w1: 2, w2: 3, w3: 5))
        #expect(SyncBound.separating(a, b).prefixLength == 32)
        #expect(SyncBound.separating(a, b) == SyncBound(b))
    }
}
