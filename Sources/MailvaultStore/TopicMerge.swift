import CLMDB
import MailvaultCore

/// Merges the topic index's per-topic lists into one ascending stream of keys.
///
/// Each topic's duplicates are sorted (sent, hash) keys, so a query for k topics opens k
/// cursors, positions each at the page's first key with MDB_GET_BOTH_RANGE (O(log n)), and
/// pops the smallest head from a binary heap: O(k log n + results log k) in all, however many
/// envelopes of other topics the time range holds.
struct TopicMerge {
    private struct Head {
        let key: StoreCursor
        let slot: Int
    }

    private let cursors: [Cursor]
    private let topics: [Topic]
    private let upper: StoreCursor
    private var heap: [Head] = []

    init(txn: Transaction, dbi: MDB_dbi, topics: Set<Topic>, range: ClosedRange<StoreCursor>) throws(StoreError) {
        let ordered = topics.sorted()
        var cursors: [Cursor] = []
        cursors.reserveCapacity(ordered.count)
        upper = range.upperBound
        let lower = range.lowerBound.bytes
        for (slot, topic) in ordered.enumerated() {
            let cursor = try txn.cursor(dbi)
            cursors.append(cursor)
            if let first = try cursor.get(MDB_GET_BOTH_RANGE, key: BigEndian.bytes(topic.rawValue), value: lower) {
                let key = StoreCursor(raw: first.value)
                if key <= upper { heap.append(Head(key: key, slot: slot)) }
            }
        }
        self.cursors = cursors
        self.topics = ordered
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
    }

    /// The next key in order and its topic; `nil` when every list passed the range's end.
    mutating func next() throws(StoreError) -> (key: StoreCursor, topic: Topic)? {
        guard let head = heap.first else { return nil }
        if let following = try cursors[head.slot].get(MDB_NEXT_DUP), case let key = StoreCursor(raw: following.value),
           key <= upper {
            heap[0] = Head(key: key, slot: head.slot)
        } else {
            heap[0] = heap[heap.count - 1]
            heap.removeLast()
        }
        if !heap.isEmpty { siftDown(0) }
        return (head.key, topics[head.slot])
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
