import MailvaultCore

/// An index entry in its fixed-size form (a whole duplicate in schemas 3-8's `DUPFIXED` runs,
/// a packed chunk's first entry since schema 9), ordered as its big-endian bytes are, so that
/// LMDB's memcmp order of the values is this type's order.
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

/// A topic index entry (schema 8): `BE32(topic) ++ BE32(sent) ++ BE32(block) ++ BE16(offset)`,
/// 14 bytes. A run's entries sort by topic, then by sent time and location, so one topic's
/// envelopes are contiguous and in sent order; within one second the reader orders them by
/// their records' hashes (`QueryPlanner.collect`). The entry names where the record lies, so a
/// page reads each envelope once: no primary lookup, and no hash bytes in the entry.
struct TopicIndexEntry: IndexEntry, Hashable {
    static let byteCount = 14

    let topic: Topic
    let sent: UInt32
    let location: Location

    init(topic: Topic, sent: UInt32, location: Location) {
        self.topic = topic
        self.sent = sent
        self.location = location
    }

    init(topic: Topic, key: EnvelopeKey, location: Location) {
        self.init(topic: topic, sent: key.sent, location: location)
    }

    init(raw: UnsafeRawBufferPointer) {
        topic = Topic(rawValue: BigEndian.uint32(raw))
        sent = BigEndian.uint32(raw, at: 4)
        location = Location(block: BigEndian.uint32(raw, at: 8), offset: BigEndian.uint16(raw, at: 12))
    }

    /// The smallest possible entry of `topic` at `sent`.
    static func first(topic: Topic, sent: UInt32) -> TopicIndexEntry {
        TopicIndexEntry(topic: topic, sent: sent, location: Location(block: 0, offset: 0))
    }

    func write(to out: UnsafeMutableRawPointer) {
        out.storeBytes(of: topic.rawValue.bigEndian, toByteOffset: 0, as: UInt32.self)
        out.storeBytes(of: sent.bigEndian, toByteOffset: 4, as: UInt32.self)
        out.storeBytes(of: location.block.bigEndian, toByteOffset: 8, as: UInt32.self)
        out.storeBytes(of: location.offset.bigEndian, toByteOffset: 12, as: UInt16.self)
    }

    static func < (lhs: TopicIndexEntry, rhs: TopicIndexEntry) -> Bool {
        (lhs.topic.rawValue, lhs.sent, lhs.location.block, lhs.location.offset)
            < (rhs.topic.rawValue, rhs.sent, rhs.location.block, rhs.location.offset)
    }
}

/// Schema 7's topic index entry, `BE32(topic) ++ BE32(sent) ++ hash[0..<4] ++ BE32(block) ++
/// BE16(offset)` (18 bytes): read by the migration to schema 8.
struct Version7TopicIndexEntry: IndexEntry, Hashable {
    static let byteCount = 18

    let topic: Topic
    let sent: UInt32
    /// The first 4 bytes of the hash, as a big-endian integer.
    let prefix: UInt32
    let location: Location

    init(topic: Topic, key: EnvelopeKey, location: Location) {
        self.topic = topic
        sent = key.sent
        prefix = UInt32(truncatingIfNeeded: key.hash.w0 >> 32)
        self.location = location
    }

    init(raw: UnsafeRawBufferPointer) {
        topic = Topic(rawValue: BigEndian.uint32(raw))
        sent = BigEndian.uint32(raw, at: 4)
        prefix = BigEndian.uint32(raw, at: 8)
        location = Location(block: BigEndian.uint32(raw, at: 12), offset: BigEndian.uint16(raw, at: 16))
    }

    func write(to out: UnsafeMutableRawPointer) {
        out.storeBytes(of: topic.rawValue.bigEndian, toByteOffset: 0, as: UInt32.self)
        out.storeBytes(of: sent.bigEndian, toByteOffset: 4, as: UInt32.self)
        out.storeBytes(of: prefix.bigEndian, toByteOffset: 8, as: UInt32.self)
        out.storeBytes(of: location.block.bigEndian, toByteOffset: 12, as: UInt32.self)
        out.storeBytes(of: location.offset.bigEndian, toByteOffset: 16, as: UInt16.self)
    }

    /// The schema 8 entry of the same envelope.
    var current: TopicIndexEntry { TopicIndexEntry(topic: topic, sent: sent, location: location) }

    static func < (lhs: Version7TopicIndexEntry, rhs: Version7TopicIndexEntry) -> Bool {
        (lhs.topic.rawValue, lhs.sent, lhs.prefix, lhs.location.block, lhs.location.offset)
            < (rhs.topic.rawValue, rhs.sent, rhs.prefix, rhs.location.block, rhs.location.offset)
    }
}

/// Schema 4-6's topic index entry, `BE32(topic) ++ BE32(sent) ++ hash[0..<8]` (16 bytes), which
/// named its envelope by the primary key's first 12 bytes: read by the migrations of older stores.
struct Version6TopicIndexEntry: IndexEntry, Hashable {
    static let byteCount = 16

    let topic: Topic
    let sent: UInt32
    /// The first 8 bytes of the hash, as a big-endian integer.
    let prefix: UInt64

    init(topic: Topic, sent: UInt32, prefix: UInt64) {
        self.topic = topic
        self.sent = sent
        self.prefix = prefix
    }

    init(topic: Topic, key: EnvelopeKey) {
        self.init(topic: topic, sent: key.sent, prefix: key.hash.w0)
    }

    init(raw: UnsafeRawBufferPointer) {
        topic = Topic(rawValue: BigEndian.uint32(raw))
        sent = BigEndian.uint32(raw, at: 4)
        prefix = BigEndian.uint64(raw, at: 8)
    }

    func write(to out: UnsafeMutableRawPointer) {
        out.storeBytes(of: topic.rawValue.bigEndian, toByteOffset: 0, as: UInt32.self)
        out.storeBytes(of: sent.bigEndian, toByteOffset: 4, as: UInt32.self)
        out.storeBytes(of: prefix.bigEndian, toByteOffset: 8, as: UInt64.self)
    }

    static func < (lhs: Version6TopicIndexEntry, rhs: Version6TopicIndexEntry) -> Bool {
        (lhs.topic.rawValue, lhs.sent, lhs.prefix) < (rhs.topic.rawValue, rhs.sent, rhs.prefix)
    }
}

/// Schema 3's topic index entry, `BE32(topic) ++ key(36)`: read by the migration to schema 4.
struct Version3TopicIndexEntry: IndexEntry, Hashable {
    static let byteCount = 4 + EnvelopeKey.byteCount

    let topic: Topic
    let key: EnvelopeKey

    init(topic: Topic, key: EnvelopeKey) {
        self.topic = topic
        self.key = key
    }

    init(raw: UnsafeRawBufferPointer) {
        topic = Topic(rawValue: BigEndian.uint32(raw))
        key = EnvelopeKey(raw: UnsafeRawBufferPointer(rebasing: raw[4..<Version3TopicIndexEntry.byteCount]))
    }

    func write(to out: UnsafeMutableRawPointer) {
        out.storeBytes(of: topic.rawValue.bigEndian, toByteOffset: 0, as: UInt32.self)
        out.storeBytes(of: key.sent.bigEndian, toByteOffset: 4, as: UInt32.self)
        out.storeBytes(of: key.hash.w0.bigEndian, toByteOffset: 8, as: UInt64.self)
        out.storeBytes(of: key.hash.w1.bigEndian, toByteOffset: 16, as: UInt64.self)
        out.storeBytes(of: key.hash.w2.bigEndian, toByteOffset: 24, as: UInt64.self)
        out.storeBytes(of: key.hash.w3.bigEndian, toByteOffset: 32, as: UInt64.self)
    }

    static func < (lhs: Version3TopicIndexEntry, rhs: Version3TopicIndexEntry) -> Bool {
        lhs.topic.rawValue != rhs.topic.rawValue ? lhs.topic.rawValue < rhs.topic.rawValue : lhs.key < rhs.key
    }
}

/// A hash index entry (schema 8): the hash's first 22 bits and the envelope's 64-second
/// primary bucket (`sent >> 6`, 26 bits), packed big-endian into 6 bytes, prefix first, so that
/// a run's entries with one prefix are contiguous. The prefix gives candidate buckets; each is
/// searched in the primary index for its 24-bit prefix and confirmed by the record's hash,
/// so prefix collisions cost a lookup, never a wrong answer.
struct HashIndexEntry: IndexEntry, Hashable {
    static let byteCount = 6
    static let bucketBits = 32 - Int(PrimaryEntry.bucketShift)
    static let prefixBits = 8 * byteCount - bucketBits

    /// `prefix << bucketBits | bucket`, in the low 48 bits.
    let value: UInt64

    /// The entry of a hash whose first four bytes are `prefix`, sent at `sent`.
    init(prefix: UInt32, sent: UInt32) {
        value = UInt64(prefix >> UInt32(32 - HashIndexEntry.prefixBits)) << UInt64(HashIndexEntry.bucketBits)
            | UInt64(sent >> PrimaryEntry.bucketShift)
    }

    init(key: EnvelopeKey) {
        self.init(prefix: PrimaryEntry.prefix(of: key.hash), sent: key.sent)
    }

    /// The entry whose 48-bit value (`prefix << bucketBits | bucket`) is `value`.
    init(value: UInt64) {
        self.value = value
    }

    init(raw: UnsafeRawBufferPointer) {
        value = UInt64(BigEndian.uint16(raw)) << 32 | UInt64(BigEndian.uint32(raw, at: 2))
    }

    /// The hash's first `prefixBits` bits.
    var prefix: UInt32 { UInt32(truncatingIfNeeded: value >> UInt64(HashIndexEntry.bucketBits)) }
    /// The primary bucket, `sent >> PrimaryEntry.bucketShift`.
    var bucket: UInt32 { UInt32(truncatingIfNeeded: value & (1 << UInt64(HashIndexEntry.bucketBits) - 1)) }

    /// The sent times of the entry's bucket.
    var sentTimes: ClosedRange<UInt32> { bucket << PrimaryEntry.bucketShift...(bucket << PrimaryEntry.bucketShift | PrimaryEntry.lowMask) }

    /// Whether a hash with these first four bytes has this entry's prefix.
    func matches(prefix full: UInt32) -> Bool { full >> UInt32(32 - HashIndexEntry.prefixBits) == prefix }

    func write(to out: UnsafeMutableRawPointer) {
        out.storeBytes(of: UInt16(truncatingIfNeeded: value >> 32).bigEndian, toByteOffset: 0, as: UInt16.self)
        out.storeBytes(of: UInt32(truncatingIfNeeded: value).bigEndian, toByteOffset: 2, as: UInt32.self)
    }

    static func < (lhs: HashIndexEntry, rhs: HashIndexEntry) -> Bool { lhs.value < rhs.value }
}

/// Schema 3-7's hash index entry, `hash[0..<4] ++ BE32(sent)` (8 bytes), held as one integer
/// (prefix in the high half): read by the migration to schema 8.
struct Version7HashIndexEntry: IndexEntry, Hashable {
    static let byteCount = 8

    let value: UInt64

    init(key: EnvelopeKey) {
        value = (key.hash.w0 >> 32) << 32 | UInt64(key.sent)
    }

    init(raw: UnsafeRawBufferPointer) {
        value = BigEndian.uint64(raw)
    }

    var prefix: UInt32 { UInt32(truncatingIfNeeded: value >> 32) }
    var sent: UInt32 { UInt32(truncatingIfNeeded: value) }

    /// The schema 8 entry of the same envelope.
    var current: HashIndexEntry { HashIndexEntry(prefix: prefix, sent: sent) }

    func write(to out: UnsafeMutableRawPointer) {
        out.storeBytes(of: value.bigEndian, toByteOffset: 0, as: UInt64.self)
    }

    static func < (lhs: Version7HashIndexEntry, rhs: Version7HashIndexEntry) -> Bool { lhs.value < rhs.value }
}

/// A topic entry after the one before it in a packed run: `LEB128(Δsent << 1)` when the topic
/// is the same (the sent time cannot fall), else `LEB128((Δtopic - 1) << 1 | 1) ++
/// LEB128(zigzag(Δsent))`; then `LEB128(zigzag(Δblock)) ++ BE16(offset)`. One topic's entries
/// of a large run take about 5 bytes each (a sent time a few thousand seconds on, the same or
/// the next block, an offset).
extension TopicIndexEntry: PackedEntry {
    /// Short chunks (about 22 entries; 29 with their nodes and pointers fill 98% of a 4 KiB
    /// page): a query seeks once per topic and run and decodes on to its position, so the
    /// chunk's length is most of a seek's cost; each chunk costs about 18 bytes more than its
    /// entries (its node, its pointer, its first entry in full).
    static let chunkBytes = 128

    func appendDelta(after previous: TopicIndexEntry, to out: inout [UInt8]) {
        if topic == previous.topic {
            LEB128.append(UInt64(sent - previous.sent) << 1, to: &out)
        } else {
            LEB128.append(UInt64(topic.rawValue - previous.topic.rawValue - 1) << 1 | 1, to: &out)
            LEB128.append(LEB128.zigzag(Int64(sent) - Int64(previous.sent)), to: &out)
        }
        LEB128.append(LEB128.zigzag(Int64(location.block) - Int64(previous.location.block)), to: &out)
        BigEndian.append(location.offset, to: &out)
    }

    static func delta(after previous: TopicIndexEntry, in chunk: UnsafeRawBufferPointer, at offset: inout Int)
        -> TopicIndexEntry?
    {
        guard let head = LEB128.read(chunk, at: &offset) else { return nil }
        let topic: Int64
        let sent: Int64
        if head & 1 == 0 {
            topic = Int64(previous.topic.rawValue)
            sent = Int64(previous.sent) + Int64(head >> 1)
        } else {
            guard let change = LEB128.read(chunk, at: &offset) else { return nil }
            topic = Int64(previous.topic.rawValue) + Int64(head >> 1) + 1
            sent = Int64(previous.sent) + LEB128.unzigzag(change)
        }
        guard let blockChange = LEB128.read(chunk, at: &offset), offset + 2 <= chunk.count else { return nil }
        let block = Int64(previous.location.block) + LEB128.unzigzag(blockChange)
        let position = BigEndian.uint16(chunk, at: offset)
        offset += 2
        guard let topic = UInt32(exactly: topic), let sent = UInt32(exactly: sent), let block = UInt32(exactly: block) else {
            return nil
        }
        return TopicIndexEntry(topic: Topic(rawValue: topic), sent: sent, location: Location(block: block, offset: position))
    }
}

/// A hash entry after the one before it in a packed run: `LEB128(zigzag(Δbucket) << 4 |
/// min(Δprefix, 15))`, then `LEB128(Δprefix - 15)` when Δprefix is 15 or more. A large run's
/// prefixes are a few apart, so an entry takes about 3 bytes (the bucket's difference is
/// random within the run's span of time).
extension HashIndexEntry: PackedEntry {
    /// Short chunks (about 28 entries): a lookup seeks in every run and decodes on to its
    /// prefix, so a chunk's length is most of its cost; each chunk costs about 13 bytes more
    /// than its entries (its node, its pointer, its first entry in full).
    static let chunkBytes = 96

    func appendDelta(after previous: HashIndexEntry, to out: inout [UInt8]) {
        let prefixChange = UInt64(prefix - previous.prefix)
        let bucketChange = LEB128.zigzag(Int64(bucket) - Int64(previous.bucket))
        LEB128.append(bucketChange << 4 | min(prefixChange, 15), to: &out)
        if prefixChange >= 15 { LEB128.append(prefixChange - 15, to: &out) }
    }

    static func delta(after previous: HashIndexEntry, in chunk: UnsafeRawBufferPointer, at offset: inout Int)
        -> HashIndexEntry?
    {
        guard let head = LEB128.read(chunk, at: &offset) else { return nil }
        var prefixChange = head & 15
        if prefixChange == 15 {
            guard let rest = LEB128.read(chunk, at: &offset) else { return nil }
            prefixChange += rest
        }
        let prefix = UInt64(previous.prefix) + prefixChange
        let bucket = Int64(previous.bucket) + LEB128.unzigzag(head >> 4)
        guard prefix < 1 << UInt64(prefixBits), bucket >= 0, bucket < 1 << Int64(bucketBits) else { return nil }
        return HashIndexEntry(value: prefix << UInt64(bucketBits) | UInt64(bucket))
    }
}
