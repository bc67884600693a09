import CLMDB
import MailvaultCore

/// Merges the topic index's per-topic lists into one ascending stream of key prefixes, each
/// with the queried topics that have an entry for it.
///
/// Each run holds its entries sorted by (topic, sent, hash prefix), so one topic's entries are
/// contiguous and sorted: a query for k topics over r runs opens up to k·r cursors, positions
/// each at (topic, the page's first key) with MDB_GET_BOTH_RANGE (O(log n)), and pops the
/// smallest head from a binary heap: O(k·r log n + results log(k·r)) in all, however many
/// envelopes of other topics the time range holds. Entries are 16 bytes and name a key by its
/// first 12 bytes; `KeyResolver` turns a prefix into the keys it stands for.
struct TopicMerge {
    private struct Head {
        let prefix: KeyPrefix
        let slot: Int
    }

    private let cursors: [Cursor]
    private let topics: [Topic]
    private let upper: KeyPrefix
    private var heap: [Head] = []

    init(txn: Transaction, dbi: MDB_dbi, runs: [IndexRuns.Run], topics: Set<Topic>,
         range: ClosedRange<EnvelopeKey>) throws(StoreError) {
        var cursors: [Cursor] = []
        var slotTopics: [Topic] = []
        upper = KeyPrefix(range.upperBound)
        let ordered = topics.sorted()
        for run in runs {
            for topic in ordered {
                let cursor = try txn.cursor(dbi)
                let start = TopicIndexEntry(topic: topic, key: range.lowerBound)
                guard let first = try cursor.get(MDB_GET_BOTH_RANGE, key: IndexRuns.key(run: run.id), value: start.bytes),
                      let prefix = TopicMerge.prefix(first.value, topic: topic), prefix <= upper else { continue }
                heap.append(Head(prefix: prefix, slot: cursors.count))
                cursors.append(cursor)
                slotTopics.append(topic)
            }
        }
        self.cursors = cursors
        self.topics = slotTopics
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
    }

    /// The next key prefix in order and the topics whose entries name it: `first`, and `more`
    /// other ones (empty, and so not allocated, bar a prefix collision); `nil` when every list
    /// passed the range's end. Entries of one topic for one prefix in several runs count once.
    mutating func next() throws(StoreError) -> (prefix: KeyPrefix, first: Topic, more: [Topic])? {
        guard let head = heap.first else { return nil }
        let first = topics[head.slot]
        try advance()
        var more: [Topic] = []
        while let following = heap.first, following.prefix == head.prefix {
            let topic = topics[following.slot]
            if topic != first, !more.contains(topic) { more.append(topic) }
            try advance()
        }
        return (head.prefix, first, more)
    }

    /// Replaces the smallest head by the next entry of its list, or drops it.
    private mutating func advance() throws(StoreError) {
        let head = heap[0]
        if let following = try cursors[head.slot].get(MDB_NEXT_DUP),
           let prefix = TopicMerge.prefix(following.value, topic: topics[head.slot]), prefix <= upper {
            heap[0] = Head(prefix: prefix, slot: head.slot)
        } else {
            heap[0] = heap[heap.count - 1]
            heap.removeLast()
        }
        if !heap.isEmpty { siftDown(0) }
    }

    /// The key prefix of a topic index value when it belongs to `topic` (a run holds every
    /// topic's entries one after the other).
    private static func prefix(_ value: UnsafeRawBufferPointer, topic: Topic) -> KeyPrefix? {
        guard value.count == TopicIndexEntry.byteCount, BigEndian.uint32(value) == topic.rawValue else { return nil }
        return KeyPrefix(sent: BigEndian.uint32(value, at: 4), prefix: BigEndian.uint64(value, at: 8))
    }

    private mutating func siftDown(_ start: Int) {
        var index = start
        while true {
            let left = 2 * index + 1
            guard left < heap.count else { return }
            var smallest = left
            if left + 1 < heap.count, heap[left + 1].prefix < heap[left].prefix { smallest = left + 1 }
            guard heap[smallest].prefix < heap[index].prefix else { return }
            heap.swapAt(index, smallest)
            index = smallest
        }
    }
}

/// Turns the key prefixes of topic index entries back into keys, through the primary index.
enum KeyResolver {
    /// Every primary key that starts with `prefix`, ascending (almost always exactly one), each
    /// with where its record lies (so that reading it costs no second lookup).
    static func keys(withPrefix prefix: KeyPrefix, primary cursor: Cursor) throws(StoreError) -> [(EnvelopeKey, Location)] {
        var found: [(EnvelopeKey, Location)] = []
        var search = [UInt8](repeating: 0, count: EnvelopeKey.byteCount)
        try KeyResolver.keys(withPrefix: prefix, primary: cursor, search: &search, into: &found)
        return found
    }

    /// `keys(withPrefix:primary:)` into `keys` (emptied first), with `search` (36 bytes) as the
    /// seek key: a query resolving a page of prefixes reuses both instead of allocating.
    static func keys(withPrefix prefix: KeyPrefix, primary cursor: Cursor, search: inout [UInt8],
                     into found: inout [(EnvelopeKey, Location)]) throws(StoreError) {
        found.removeAll(keepingCapacity: true)
        search.withUnsafeMutableBytes { out in
            out.storeBytes(of: prefix.sent.bigEndian, toByteOffset: 0, as: UInt32.self)
            out.storeBytes(of: prefix.prefix.bigEndian, toByteOffset: 4, as: UInt64.self)
        }
        var entry = try cursor.get(MDB_SET_RANGE, key: search)
        while let current = entry, current.key.count == EnvelopeKey.byteCount {
            let key = EnvelopeKey(raw: current.key)
            guard KeyPrefix(key) == prefix else { break }
            found.append((key, try Location(raw: current.value)))
            entry = try cursor.get(MDB_NEXT)
        }
    }

    /// The positions in `candidates` (the primary keys with one prefix) of the keys whose
    /// envelope has one of `topics` (the topics whose index entries name that prefix) and that
    /// lie in `range`, each with its topic.
    ///
    /// The index holds an entry (topic, prefix) exactly while some stored envelope has both,
    /// so a lone candidate named by a lone topic is that topic's envelope and its record is not
    /// read; otherwise `topicOf` reads each candidate's topic from its record.
    static func resolve(topics: [Topic], candidates: [EnvelopeKey], range: ClosedRange<EnvelopeKey>,
                        topicOf: (Int) throws(StoreError) -> Topic) throws(StoreError) -> [(index: Int, topic: Topic)] {
        if candidates.count == 1, topics.count == 1 {
            return range.contains(candidates[0]) ? [(0, topics[0])] : []
        }
        var out: [(index: Int, topic: Topic)] = []
        for (index, key) in candidates.enumerated() where range.contains(key) {
            let topic = try topicOf(index)
            if topics.contains(topic) { out.append((index, topic)) }
        }
        return out
    }
}
