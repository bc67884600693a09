import MailvaultCore

/// A value of an index run: fixed size (the databases are `DUPFIXED`), and ordered as its
/// big-endian bytes are, so that LMDB's memcmp order of the values is this type's order.
protocol IndexEntry: Comparable {
    static var byteCount: Int { get }
    init(raw: UnsafeRawBufferPointer)
    /// Writes the `byteCount` bytes at `out`.
    func write(to out: UnsafeMutableRawPointer)
}

extension IndexEntry {
    /// The entry's bytes (for the rare single puts and deletes; runs are written from a buffer).
    var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.byteCount) { buffer, count in
            write(to: UnsafeMutableRawPointer(buffer.baseAddress!))
            count = Self.byteCount
        }
    }
}

/// A topic index entry: `BE32(topic) ++ key(36)`. A run's entries sort by topic, then by key,
/// so one topic's envelopes are contiguous and in the archive's order.
struct TopicIndexEntry: IndexEntry, Hashable {
    static let byteCount = 4 + StoreCursor.byteCount

    let topic: Topic
    let key: StoreCursor

    init(topic: Topic, key: StoreCursor) {
        self.topic = topic
        self.key = key
    }

    init(raw: UnsafeRawBufferPointer) {
        topic = Topic(rawValue: BigEndian.uint32(raw))
        key = StoreCursor(raw: UnsafeRawBufferPointer(rebasing: raw[4..<TopicIndexEntry.byteCount]))
    }

    func write(to out: UnsafeMutableRawPointer) {
        out.storeBytes(of: topic.rawValue.bigEndian, toByteOffset: 0, as: UInt32.self)
        out.storeBytes(of: key.sent.bigEndian, toByteOffset: 4, as: UInt32.self)
        out.storeBytes(of: key.hash.w0.bigEndian, toByteOffset: 8, as: UInt64.self)
        out.storeBytes(of: key.hash.w1.bigEndian, toByteOffset: 16, as: UInt64.self)
        out.storeBytes(of: key.hash.w2.bigEndian, toByteOffset: 24, as: UInt64.self)
        out.storeBytes(of: key.hash.w3.bigEndian, toByteOffset: 32, as: UInt64.self)
    }

    static func < (lhs: TopicIndexEntry, rhs: TopicIndexEntry) -> Bool {
        lhs.topic.rawValue != rhs.topic.rawValue ? lhs.topic.rawValue < rhs.topic.rawValue : lhs.key < rhs.key
    }
}

/// A hash index entry: `hash[0..<4] ++ BE32(sent)`, held as one integer (prefix in the high
/// half) whose order is the bytes' order. The prefix gives candidate sent times; each is
/// confirmed against the primary index, so prefix collisions cost a lookup, never a wrong answer.
struct HashIndexEntry: IndexEntry, Hashable {
    static let byteCount = 8

    let value: UInt64

    init(prefix: UInt32, sent: UInt32) {
        value = UInt64(prefix) << 32 | UInt64(sent)
    }

    init(key: StoreCursor) {
        self.init(prefix: UInt32(truncatingIfNeeded: key.hash.w0 >> 32), sent: key.sent)
    }

    init(raw: UnsafeRawBufferPointer) {
        value = BigEndian.uint64(raw)
    }

    var prefix: UInt32 { UInt32(truncatingIfNeeded: value >> 32) }
    var sent: UInt32 { UInt32(truncatingIfNeeded: value) }

    func write(to out: UnsafeMutableRawPointer) {
        out.storeBytes(of: value.bigEndian, toByteOffset: 0, as: UInt64.self)
    }

    static func < (lhs: HashIndexEntry, rhs: HashIndexEntry) -> Bool { lhs.value < rhs.value }
}
