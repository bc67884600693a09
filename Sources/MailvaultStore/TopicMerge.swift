import CLMDB
import MailvaultCore

/// Merges the topic index's per-topic lists into one ascending stream of entries.
///
/// Each run holds its entries sorted by (topic, sent, location), so one topic's
/// entries are contiguous and sorted: a query for k topics over r runs opens up to k·r cursors,
/// positions each at (topic, the page's first sent time) in its packed run (one
/// MDB_GET_BOTH_RANGE, O(log n), and a chunk decoded), and pops the smallest head from a binary heap:
/// O(k·r log n + results log(k·r)) in all, however many envelopes of other topics the time
/// range holds. Entries come out in (sent, location) order; each names where its record lies,
/// so the reader reads each envelope once, and orders the envelopes of one second by their
/// hashes (`QueryPlanner`).
struct TopicMerge {
    private struct Head {
        let entry: TopicIndexEntry
        let slot: Int

        static func < (lhs: Head, rhs: Head) -> Bool {
            let (l, r) = (lhs.entry, rhs.entry)
            return (l.sent, l.location.block, l.location.offset) < (r.sent, r.location.block, r.location.offset)
        }
    }

    private var cursors: [PackedRunCursor<TopicIndexEntry>]
    private let topics: [Topic]
    private let upperSent: UInt32
    private var heap: [Head] = []
    private var last: TopicIndexEntry?

    init(txn: Transaction, dbi: MDB_dbi, runs: [IndexRuns.Run], topics: Set<Topic>,
         range: ClosedRange<EnvelopeKey>) throws(StoreError) {
        var cursors: [PackedRunCursor<TopicIndexEntry>] = []
        var slotTopics: [Topic] = []
        upperSent = range.upperBound.sent
        let lower = range.lowerBound
        let ordered = topics.sorted()
        // A run none of whose envelopes was sent in the range has none of its entries.
        for run in runs where run.overlaps(lower.sent...max(lower.sent, upperSent)) {
            for topic in ordered {
                var cursor = try PackedRunCursor<TopicIndexEntry>(txn: txn, dbi: dbi)
                let start = TopicIndexEntry.first(topic: topic, sent: lower.sent)
                guard let entry = TopicMerge.entry(try cursor.seek(run: run.id, atLeast: start), topic: topic,
                                                   upperSent: upperSent) else { continue }
                heap.append(Head(entry: entry, slot: cursors.count))
                cursors.append(cursor)
                slotTopics.append(topic)
            }
        }
        self.cursors = cursors
        self.topics = slotTopics
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
    }

    /// The next entry in order; `nil` when every list passed the range's last second. An entry
    /// found in several runs comes out once.
    mutating func next() throws(StoreError) -> TopicIndexEntry? {
        while let head = heap.first {
            try advance()
            if head.entry == last { continue }
            last = head.entry
            return head.entry
        }
        return nil
    }

    /// Replaces the smallest head by the next entry of its list, or drops it.
    private mutating func advance() throws(StoreError) {
        let head = heap[0]
        if let entry = TopicMerge.entry(try cursors[head.slot].next(), topic: topics[head.slot], upperSent: upperSent) {
            heap[0] = Head(entry: entry, slot: head.slot)
        } else {
            heap[0] = heap[heap.count - 1]
            heap.removeLast()
        }
        if !heap.isEmpty { siftDown(0) }
    }

    /// A topic entry when it belongs to `topic` (a run holds every topic's entries one after
    /// the other) and was sent by the range's last second.
    private static func entry(_ entry: TopicIndexEntry?, topic: Topic, upperSent: UInt32) -> TopicIndexEntry? {
        guard let entry, entry.topic == topic, entry.sent <= upperSent else { return nil }
        return entry
    }

    private mutating func siftDown(_ start: Int) {
        var index = start
        while true {
            let left = 2 * index + 1
            guard left < heap.count else { return }
            var smallest = left
            if left + 1 < heap.count, heap[left + 1] < heap[left] { smallest = left + 1 }
            guard heap[smallest] < heap[index] else { return }
            heap.swapAt(index, smallest)
            index = smallest
        }
    }
}
