import CLMDB
import MailvaultCore

/// Merges the topic index's per-topic lists into one ascending stream of keys.
///
/// Each run holds its entries sorted by (topic, sent, hash), so one topic's keys are contiguous
/// and sorted: a query for k topics over r runs opens up to k·r cursors, positions each at
/// (topic, the page's first key) with MDB_GET_BOTH_RANGE (O(log n)), and pops the smallest head from a binary heap: O(k·r log n + results log(k·r))
/// in all, however many envelopes of other topics the time range holds.
struct TopicMerge {
    private struct Head {
        let key: StoreCursor
        let slot: Int
    }

    private let cursors: [Cursor]
    private let topics: [Topic]
    private let upper: StoreCursor
    private var heap: [Head] = []

    init(txn: Transaction, dbi: MDB_dbi, runs: [IndexRuns.Run], topics: Set<Topic>,
         range: ClosedRange<StoreCursor>) throws(StoreError) {
        var cursors: [Cursor] = []
        var slotTopics: [Topic] = []
        upper = range.upperBound
        let ordered = topics.sorted()
        for run in runs {
            for topic in ordered {
                let cursor = try txn.cursor(dbi)
                let start = TopicIndexEntry(topic: topic, key: range.lowerBound)
                guard let first = try cursor.get(MDB_GET_BOTH_RANGE, key: IndexRuns.key(run: run.id), value: start.bytes),
                      let key = TopicMerge.key(first.value, topic: topic), key <= upper else { continue }
                heap.append(Head(key: key, slot: cursors.count))
                cursors.append(cursor)
                slotTopics.append(topic)
            }
        }
        self.cursors = cursors
        self.topics = slotTopics
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
    }

    /// The next key in order and its topic; `nil` when every list passed the range's end.
    mutating func next() throws(StoreError) -> (key: StoreCursor, topic: Topic)? {
        guard let head = heap.first else { return nil }
        if let following = try cursors[head.slot].get(MDB_NEXT_DUP),
           let key = TopicMerge.key(following.value, topic: topics[head.slot]), key <= upper {
            heap[0] = Head(key: key, slot: head.slot)
        } else {
            heap[0] = heap[heap.count - 1]
            heap.removeLast()
        }
        if !heap.isEmpty { siftDown(0) }
        return (head.key, topics[head.slot])
    }

    /// The key of a topic index value when it belongs to `topic` (a run holds every topic's
    /// entries one after the other).
    private static func key(_ value: UnsafeRawBufferPointer, topic: Topic) -> StoreCursor? {
        guard value.count == TopicIndexEntry.byteCount, BigEndian.uint32(value) == topic.rawValue else { return nil }
        return StoreCursor(raw: UnsafeRawBufferPointer(rebasing: value[4...]))
    }

    private mutating func siftDown(_ start: Int) {
        var index = start
        while true {
            let left = 2 * index + 1
            guard left < heap.count else { return }
            var smallest = left
            if left + 1 < heap.count, heap[left + 1].key < heap[left].key { smallest = left + 1 }
            guard heap[smallest].key < heap[index].key else { return }
            heap.swapAt(index, smallest)
            index = smallest
        }
    }
}
