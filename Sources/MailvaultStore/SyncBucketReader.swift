import CLMDB
import MailvaultCore

/// Answers federation's questions about key ranges `[lower, upper)` from one snapshot: their
/// count and hash sum, their keys, and where to split them into parts of about equal counts.
///
/// A range is cut into whole buckets, read from `syncBuckets` (as coarse as the range allows:
/// at each level only the buckets that the next coarser level cannot cover), and at most two
/// partial level-0 buckets at its ends, whose keys are read from the primary index (each hash
/// being its record's keccak256). `upper == nil` is past the last key.
struct SyncBucketReader {
    let snapshot: ReadSnapshot
    let codec: RecordCodec
    /// How many bucket levels to use, finest first (fewer only to measure what the coarse
    /// levels save).
    var levels = SyncBuckets.levels

    /// A piece of a range, in key order: a whole bucket (`level` set), or keys scanned from the
    /// primary index. `lower`/`upper` bound its keys; `upper == nil` is past the last key.
    struct Segment {
        var lower: EnvelopeKey
        var upper: EnvelopeKey?
        var summary: KeySetSummary
        var level: Int?
    }

    // MARK: Summary

    /// The count and hash sum of the stored keys in `[lower, upper)`.
    func summary(from lower: EnvelopeKey, to upper: EnvelopeKey?) throws(StoreError) -> KeySetSummary {
        var total = KeySetSummary.empty
        try segments(from: lower, to: upper) { (segment) throws(StoreError) in total.add(segment.summary) }
        return total
    }

    // MARK: Keys

    /// The stored keys in `[lower, upper)`, ascending, at most `limit`.
    ///
    /// The primary index's entries come in (sent, prefix) order, which is the keys' order but
    /// for ties: the walk collects `limit` entries past `lower`'s (sent, prefix), and the ones
    /// tying with the last, without reading a record; then hashes them all together in the
    /// SIMD lanes, sorts (only ties move) and cuts the keys to the range.
    func keys(from lower: EnvelopeKey, to upper: EnvelopeKey?, limit: Int) throws(StoreError) -> [EnvelopeKey] {
        guard limit > 0 else { return [] }
        let low = (lower.sent, PrimaryEntry.prefix(of: lower.hash))
        let high = upper.map { ($0.sent, PrimaryEntry.prefix(of: $0.hash)) }
        var cursor = try PrimaryIndex(txn: snapshot.txn, dbi: snapshot.dbs.primary).entries()
        var entries: [PrimaryEntry] = []
        // Entries at `lower`'s own (sent, prefix) may sort before it: they do not count.
        var atLower = 0
        var entry = try cursor.seek(sent: low.0, prefix: low.1)
        while let current = entry {
            let position = (current.sent, current.prefix)
            if let high, position > high { break }
            if entries.count - atLower >= limit, let last = entries.last, (last.sent, last.prefix) != position { break }
            if position == low { atLower += 1 }
            entries.append(current)
            entry = try cursor.next()
        }
        let hashes = try snapshot.hashes(at: entries.map(\.location), codec: codec)
        var keys = zip(entries, hashes).map { EnvelopeKey(sent: $0.sent, hash: $1) }
        keys.sort()
        return Array(keys.lazy.filter { key in key >= lower && upper.map({ key < $0 }) ?? true }.prefix(limit))
    }

    // MARK: Split

    /// Up to `parts - 1` bounds strictly inside `(lower, upper)`, ascending, each the first key
    /// of a part, so that the parts hold about equal numbers of keys.
    ///
    /// Each bound is placed at the position `i * count / parts` of the range's keys: bucket by
    /// bucket, descending into a coarse bucket only when a position falls inside it. Within a
    /// level-0 bucket, the bucket's edge (`EnvelopeKey.first(sent:)`, which encodes shortest) is
    /// taken when it is within a quarter part of the position; otherwise (a crowded bucket) the
    /// bucket's keys are read and the key at the position is the bound.
    func split(from lower: EnvelopeKey, to upper: EnvelopeKey?, parts: Int) throws(StoreError) -> [EnvelopeKey] {
        guard parts > 1 else { return [] }
        var pieces: [Segment] = []
        try segments(from: lower, to: upper) { (segment) throws(StoreError) in pieces.append(segment) }
        let total = pieces.reduce(UInt64(0)) { $0 + $1.summary.count }
        guard total > 1 else { return [] }
        var targets: [UInt64] = []
        for part in 1..<UInt64(parts) {
            let target = UInt64(parts).dividingFullWidth(total.multipliedFullWidth(by: part)).quotient
            if target > 0, target != targets.last { targets.append(target) }
        }
        var state = SplitState(lower: lower, upper: upper, targets: targets,
                               tolerance: Double(total) / Double(parts) / 4)
        _ = try split(pieces, startingAt: 0, &state)
        return state.bounds
    }

    private struct SplitState {
        let lower: EnvelopeKey
        let upper: EnvelopeKey?
        /// Key positions (0-based, within the range) at which parts start, ascending.
        let targets: [UInt64]
        /// How far from its position a bucket edge may be taken as a bound.
        let tolerance: Double
        var next = 0
        var bounds: [EnvelopeKey] = []

        init(lower: EnvelopeKey, upper: EnvelopeKey?, targets: [UInt64], tolerance: Double) {
            self.lower = lower
            self.upper = upper
            self.targets = targets
            self.tolerance = tolerance
        }

        /// Whether `key` lies strictly inside the range.
        func inside(_ key: EnvelopeKey?) -> Bool {
            guard let key else { return false }
            return lower < key && upper.map { key < $0 } ?? true
        }

        mutating func emit(_ key: EnvelopeKey) {
            guard inside(key), bounds.last.map({ $0 < key }) ?? true else { return }
            bounds.append(key)
        }
    }

    /// Places the bounds whose positions fall in `pieces`, which start at position `start`;
    /// returns the position after them.
    private func split(_ pieces: [Segment], startingAt start: UInt64, _ state: inout SplitState) throws(StoreError) -> UInt64 {
        var position = start
        for piece in pieces {
            let count = piece.summary.count
            var keys: [EnvelopeKey]?
            while state.next < state.targets.count, state.targets[state.next] < position + count {
                let target = state.targets[state.next]
                if target <= position {
                    state.emit(piece.lower)
                    state.next += 1
                    continue
                }
                if let level = piece.level, level > 0 {
                    let children = try buckets(level: level - 1, from: bucketStart(piece.lower),
                                               to: bucketEnd(piece.upper))
                    guard try split(children, startingAt: position, &state) == position + count else {
                        throw .corrupt("a sync bucket of level \(level) disagrees with the finer buckets in it")
                    }
                    break
                }
                if Double(target - position) <= state.tolerance, state.inside(piece.lower) {
                    state.emit(piece.lower)
                } else if Double(position + count - target) <= state.tolerance, state.inside(piece.upper) {
                    state.emit(piece.upper!)
                } else {
                    if keys == nil { keys = try self.keys(from: piece.lower, to: piece.upper, limit: Int(count)) }
                    let offset = Int(target - position)
                    guard let keys, offset < keys.count else {
                        throw .corrupt("a sync bucket counts more keys than the primary index holds")
                    }
                    state.emit(keys[offset])
                }
                state.next += 1
            }
            position += count
        }
        return position
    }

    // MARK: Decomposition

    /// Calls `body` with the pieces of `[lower, upper)` in key order (see the type's description).
    func segments(from lower: EnvelopeKey, to upper: EnvelopeKey?,
                  _ body: (Segment) throws(StoreError) -> Void) throws(StoreError) {
        if let upper, upper <= lower { return }
        let width = SyncBuckets.start(of: 1, level: 0)
        // Whole level-0 buckets cover [first, last) seconds; what lies outside is scanned.
        let lowerAligned = lower == EnvelopeKey.first(sent: lower.sent) && UInt64(lower.sent) % width == 0
        let first = lowerAligned ? UInt64(lower.sent) : (UInt64(lower.sent) / width + 1) * width
        let last: UInt64
        let upperAligned: Bool
        if let upper {
            upperAligned = upper == EnvelopeKey.first(sent: upper.sent) && UInt64(upper.sent) % width == 0
            last = UInt64(upper.sent) / width * width
        } else {
            upperAligned = true
            last = UInt64(UInt32.max) + 1
        }
        guard first <= last else {
            // Both ends inside one level-0 bucket.
            try body(try scanned(from: lower, to: upper))
            return
        }
        if !lowerAligned { try body(try scanned(from: lower, to: SyncBuckets.edge(first))) }
        if first < last { try wholeBuckets(level: 0, from: first, to: last, body) }
        if !upperAligned { try body(try scanned(from: SyncBuckets.edge(last)!, to: upper)) }
    }

    /// The whole buckets covering seconds `[from, to)` (multiples of level `level`'s width), in
    /// order: this level's buckets up to the next level's first edge, the next level's buckets,
    /// this level's buckets after its last edge.
    private func wholeBuckets(level: Int, from: UInt64, to: UInt64,
                              _ body: (Segment) throws(StoreError) -> Void) throws(StoreError) {
        if level + 1 < levels {
            let width = SyncBuckets.start(of: 1, level: level + 1)
            let (inner, outer) = ((from + width - 1) / width * width, to / width * width)
            if inner < outer {
                for piece in try buckets(level: level, from: from, to: inner) { try body(piece) }
                try wholeBuckets(level: level + 1, from: inner, to: outer, body)
                for piece in try buckets(level: level, from: outer, to: to) { try body(piece) }
                return
            }
        }
        for piece in try buckets(level: level, from: from, to: to) { try body(piece) }
    }

    /// The non-empty buckets of `level` covering seconds `[from, to)`.
    private func buckets(level: Int, from: UInt64, to: UInt64) throws(StoreError) -> [Segment] {
        var pieces: [Segment] = []
        guard from < to else { return pieces }
        let shift = UInt64(SyncBuckets.shifts[level])
        let end = to >> shift
        let cursor = try snapshot.txn.cursor(snapshot.dbs.syncBuckets)
        var entry = try cursor.get(MDB_SET_RANGE, key: SyncBuckets.key(level: level, number: UInt32(from >> shift)))
        while let current = entry {
            guard current.key.count == SyncBuckets.keyByteCount, current.value.count == SyncBuckets.valueByteCount else {
                throw .corrupt("a sync bucket entry of \(current.key.count) + \(current.value.count) bytes")
            }
            guard Int(current.key[0]) == level else { break }
            let number = UInt64(BigEndian.uint32(current.key, at: 1))
            guard number < end else { break }
            pieces.append(Segment(lower: EnvelopeKey.first(sent: UInt32(number << shift)),
                                  upper: SyncBuckets.edge((number + 1) << shift),
                                  summary: KeySetSummary(raw: current.value), level: level))
            entry = try cursor.get(MDB_NEXT)
        }
        return pieces
    }

    /// The count and hash sum of the keys of `[lower, upper)`, read from the primary index. A
    /// sum needs no order: an entry whose (sent, prefix) lies strictly between the bounds' is in
    /// the range whatever the rest of its hash, and those records are hashed together in the
    /// SIMD lanes; only entries that share a bound's (sent, prefix) are hashed one by one, to
    /// compare them with it.
    private func scanned(from lower: EnvelopeKey, to upper: EnvelopeKey?) throws(StoreError) -> Segment {
        var summary = KeySetSummary.empty
        let low = (lower.sent, PrimaryEntry.prefix(of: lower.hash))
        let high = upper.map { ($0.sent, PrimaryEntry.prefix(of: $0.hash)) }
        var cursor = try PrimaryIndex(txn: snapshot.txn, dbi: snapshot.dbs.primary).entries()
        var inside: [Location] = []
        var entry = try cursor.seek(sent: low.0, prefix: low.1)
        while let current = entry {
            let position = (current.sent, current.prefix)
            let atUpper = high.map { position == $0 } ?? false
            if let high, position > high { break }
            if position == low || atUpper {
                let key = EnvelopeKey(sent: current.sent, hash: try snapshot.hash(at: current.location, codec: codec))
                if key >= lower, upper.map({ key < $0 }) ?? true { summary.add(key.hash) }
            } else {
                inside.append(current.location)
            }
            entry = try cursor.next()
        }
        for hash in try snapshot.hashes(at: inside, codec: codec) { summary.add(hash) }
        return Segment(lower: lower, upper: upper, summary: summary, level: nil)
    }

    private func bucketStart(_ key: EnvelopeKey) -> UInt64 { UInt64(key.sent) }
    private func bucketEnd(_ key: EnvelopeKey?) -> UInt64 { key.map { UInt64($0.sent) } ?? UInt64(UInt32.max) + 1 }

}
