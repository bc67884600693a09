import MailvaultCore

/// A `SyncIndex` over a sorted array in memory, with prefix sums so that a summary costs two
/// binary searches. Its splits are the reference implementations' (equal item counts, the
/// first `count % parts` parts one item larger, minimal separating bounds), so a reconciler over
/// it writes the same bytes as they do.
public struct SortedSyncIndex: SyncIndex, Sendable {
    /// The items, ascending, without duplicates.
    public let items: [SyncItem]
    /// `prefixSums[i]` summarises `items[0..<i]`.
    private let prefixSums: [KeySetSummary]

    /// An index of `items` in any order; duplicates are kept once.
    public init<S: Sequence<SyncItem>>(_ items: S) {
        var sorted = items.sorted()
        var unique = 0
        for index in sorted.indices where index == 0 || sorted[index] != sorted[unique - 1] {
            sorted[unique] = sorted[index]
            unique += 1
        }
        sorted.removeSubrange(unique...)
        self.init(sortedUnique: sorted)
    }

    /// An index of items already strictly ascending; `nil` if they are not.
    public init?(sorted items: [SyncItem]) {
        for index in items.indices.dropFirst() where !(items[index - 1] < items[index]) { return nil }
        self.init(sortedUnique: items)
    }

    private init(sortedUnique items: [SyncItem]) {
        self.items = items
        var sums = [KeySetSummary]()
        sums.reserveCapacity(items.count + 1)
        var running = KeySetSummary.empty
        sums.append(running)
        for item in items {
            running.add(item.id)
            sums.append(running)
        }
        prefixSums = sums
    }

    /// The position of the first item at or above `bound`.
    public func position(of bound: SyncBound) -> Int {
        var low = 0, high = items.count
        while low < high {
            let middle = (low + high) / 2
            if bound.isAtOrBelow(items[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    private func positions(_ lower: SyncBound, _ upper: SyncBound) -> Range<Int> {
        let start = position(of: lower)
        return start..<max(start, position(of: upper))
    }

    public func summary(from lower: SyncBound, to upper: SyncBound) -> KeySetSummary {
        let range = positions(lower, upper)
        var summary = prefixSums[range.upperBound]
        summary.subtract(prefixSums[range.lowerBound])
        return summary
    }

    public func items(from lower: SyncBound, to upper: SyncBound, limit: Int) -> [SyncItem] {
        let range = positions(lower, upper)
        return Array(items[range.prefix(max(0, limit))])
    }

    public func split(from lower: SyncBound, to upper: SyncBound, parts: Int) -> [SyncBound] {
        let range = positions(lower, upper)
        let buckets = min(parts, range.count)
        guard buckets >= 2 else { return [] }
        let perBucket = range.count / buckets, withExtra = range.count % buckets
        var bounds = [SyncBound]()
        bounds.reserveCapacity(buckets - 1)
        var position = range.lowerBound
        for bucket in 0..<(buckets - 1) {
            position += perBucket + (bucket < withExtra ? 1 : 0)
            bounds.append(SyncBound.separating(items[position - 1], items[position]))
        }
        return bounds
    }
}
