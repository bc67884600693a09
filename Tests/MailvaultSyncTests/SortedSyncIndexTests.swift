import MailvaultBench
import MailvaultCore
import MailvaultSync
import Testing

@Suite("SortedSyncIndex")
struct SortedSyncIndexTests {
    static func randomItems(_ count: Int, timestamps: UInt64, seed: UInt64) -> [SyncItem] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in SyncItem(timestamp: random.next(below: timestamps), id: random.hash()) }
    }

    @Test("summaries and items agree with a scan, for random bounds")
    func agreesWithScan() throws {
        let items = SortedSyncIndexTests.randomItems(500, timestamps: 40, seed: 1)
        let index = SortedSyncIndex(items + items.prefix(10)) // duplicates are kept once
        #expect(index.items.count == 500)
        var random = SplitMix64(seed: 2)
        func randomBound() -> SyncBound {
            if random.next(below: 10) == 0 { return .infinity }
            let prefix = (0..<Int(random.next(below: 3))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            return SyncBound(timestamp: random.next(below: 42), prefix: prefix)!
        }
        for _ in 0..<300 {
            let lower = randomBound(), upper = randomBound()
            let inside = index.items.filter { lower.isAtOrBelow($0) && !upper.isAtOrBelow($0) }
            var expected = KeySetSummary.empty
            for item in inside { expected.add(item.id) }
            #expect(index.summary(from: lower, to: upper) == expected)
            #expect(index.items(from: lower, to: upper, limit: 7) == Array(inside.prefix(7)))
        }
    }

    @Test("splits are the reference's: equal parts, the first ones larger, minimal bounds")
    func splits() throws {
        let index = SortedSyncIndex(SortedSyncIndexTests.randomItems(1000, timestamps: 30, seed: 3))
        for count in [2, 15, 16, 17, 33, 100, 1000] {
            let lower = count == 1000 ? SyncBound.zero : SyncBound(index.items[100])
            let upper = count == 1000 ? SyncBound.infinity : SyncBound(index.items[100 + count])
            let bounds = index.split(from: lower, to: upper, parts: 16)
            let parts = min(16, count)
            #expect(bounds.count == parts - 1)
            var sizes = [Int]()
            var start = lower
            for bound in bounds + [upper] {
                #expect(start < bound)
                sizes.append(Int(index.summary(from: start, to: bound).count))
                start = bound
            }
            let expected = (0..<parts).map { count / parts + ($0 < count % parts ? 1 : 0) }
            #expect(sizes == expected, "\(count) items")
        }
        #expect(index.split(from: SyncBound(index.items[5]), to: SyncBound(index.items[6]), parts: 16).isEmpty)
    }

    @Test("init(sorted:) refuses unsorted or duplicate items")
    func sortedInit() {
        let a = SyncItem(timestamp: 1, id: .zero), b = SyncItem(timestamp: 2, id: .zero)
        #expect(SortedSyncIndex(sorted: [a, b]) != nil)
        #expect(SortedSyncIndex(sorted: [b, a]) == nil)
        #expect(SortedSyncIndex(sorted: [a, a]) == nil)
    }
}
