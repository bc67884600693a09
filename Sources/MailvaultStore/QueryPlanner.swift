import CLMDB
import MailvaultCore

/// Answers the store's reads from one snapshot: pages of a history query, lookups by hash and
/// presence checks.
///
/// A page is planned from the query's filter: `.all` walks the primary index; `.topics` merges
/// the topic index's runs for those topics (`TopicMerge`); `.bloom` first reads from the topic
/// directory the stored topics the filter accepts, then merges theirs. Index entries name where
/// each record lies, and a key's hash is its record's keccak256: a page reads each envelope
/// once, hashing it while it decodes it, unless what the entry holds cannot place it (the
/// page's first and last seconds; in the primary index a 24-bit prefix shared within one
/// second; in the topic index, which holds no hash bytes, another envelope of its second).
struct QueryPlanner {
    let snapshot: ReadSnapshot
    let codec: RecordCodec

    /// One page of `query` with its envelopes, cut short by the query's byte budget.
    func page(_ query: HistoryQuery) throws(StoreError) -> HistoryPage {
        let (keys, more) = try selectKeys(query)
        var budget = query.maximumBytes ?? .max
        var rlps: [UnsafeRawBufferPointer] = []
        rlps.reserveCapacity(keys.count)
        var inflated = InflatedRLPs(codec: codec, dictionaries: snapshot.dictionaries)
        defer { inflated.free() }
        for (index, record) in try snapshot.records(at: keys.map(\.location)).enumerated() {
            // The budget is checked on the record's raw length, before decoding it.
            let length = RecordCodec.rawLength(of: record)
            guard length <= budget || index == 0 else { break }
            budget -= min(length, budget)
            rlps.append(try inflated.rlp(of: record))
        }
        let hashes = completeKeys(keys.prefix(rlps.count), rlps: rlps)
        var entries: [HistoryEntry] = []
        entries.reserveCapacity(rlps.count)
        for (index, rlp) in rlps.enumerated() {
            let envelope = try RecordCodec.envelope(ofRLP: rlp)
            entries.append(HistoryEntry(key: EnvelopeKey(sent: keys[index].key.sent, hash: hashes[index]),
                                        topic: envelope.topic, envelope: envelope))
        }
        return HistoryPage(entries: entries, next: more || rlps.count < keys.count ? entries.last?.key : nil)
    }

    /// One page of `query` as keys and topics only: no envelope is decoded.
    func keyPage(_ query: HistoryQuery) throws(StoreError) -> HistoryPage {
        let (keys, more) = try selectKeys(query)
        var rlps: [UnsafeRawBufferPointer] = []
        rlps.reserveCapacity(keys.count)
        var topics: [Topic] = []
        topics.reserveCapacity(keys.count)
        var inflated = InflatedRLPs(codec: codec, dictionaries: snapshot.dictionaries)
        defer { inflated.free() }
        for selected in keys {
            // A record is read only for what the index does not say: its hash or its topic.
            guard !selected.hashed || selected.topic == nil else {
                rlps.append(UnsafeRawBufferPointer(start: nil, count: 0))
                topics.append(selected.topic!)
                continue
            }
            let record = try snapshot.record(at: selected.location)
            rlps.append(selected.hashed ? UnsafeRawBufferPointer(start: nil, count: 0) : try inflated.rlp(of: record))
            topics.append(selected.topic ?? record.topic)
        }
        let hashes = completeKeys(keys[...], rlps: rlps)
        var entries: [HistoryEntry] = []
        entries.reserveCapacity(keys.count)
        for (index, selected) in keys.enumerated() {
            entries.append(HistoryEntry(key: EnvelopeKey(sent: selected.key.sent, hash: hashes[index]), topic: topics[index]))
        }
        return HistoryPage(entries: entries, next: more ? entries.last?.key : nil)
    }

    /// The full hash of each selected key: as selected when it was hashed then, otherwise the
    /// keccak256 of its RLP in `rlps` (same positions), all of them in one batch through the
    /// SIMD lanes (`Keccak256.hash(batch:)`).
    private func completeKeys(_ keys: ArraySlice<SelectedKey>, rlps: [UnsafeRawBufferPointer]) -> [Hash256] {
        var hashes = keys.map(\.key.hash)
        var pending: [Int] = []
        var messages: [UnsafeRawBufferPointer] = []
        for (offset, selected) in keys.enumerated() where !selected.hashed {
            messages.append(rlps[offset])
            pending.append(offset)
        }
        guard !pending.isEmpty else { return hashes }
        for (offset, hash) in zip(pending, Keccak256.hash(batch: messages)) { hashes[offset] = hash }
        return hashes
    }

    /// The envelope with this hash, or `nil`.
    func envelope(hash: Hash256) throws(StoreError) -> Envelope? {
        guard let (_, location) = try locate(hash: hash, runs: try snapshot.runs()) else { return nil }
        let dictionaries = snapshot.dictionaries
        return try snapshot.withRecord(at: location) { (record) throws(StoreError) in
            try codec.envelope(of: record, dictionaries: dictionaries)
        }
    }

    /// For each hash, whether the snapshot holds it.
    func presence(of hashes: [Hash256]) throws(StoreError) -> [Bool] {
        let runs = try snapshot.runs()
        var present: [Bool] = []
        present.reserveCapacity(hashes.count)
        for hash in hashes { present.append(try locate(hash: hash, runs: runs) != nil) }
        return present
    }

    /// The key and record of the envelope with this hash: each run of the hash index gives
    /// candidate 64-second buckets for the hash's first 22 bits; in each, the primary index's
    /// entries with the hash's first three bytes name records, and the one whose RLP hashes to
    /// `hash` is it.
    private func locate(hash: Hash256, runs: [IndexRuns.Run]) throws(StoreError) -> (EnvelopeKey, Location)? {
        let (txn, dbs) = (snapshot.txn, snapshot.dbs)
        let prefix = PrimaryEntry.prefix(of: hash)
        let start = HashIndexEntry(prefix: prefix, sent: 0)
        var cursor = try PackedRunCursor<HashIndexEntry>(txn: txn, dbi: dbs.hashes)
        let primary = PrimaryIndex(txn: txn, dbi: dbs.primary)
        // Buckets already searched: a handful at most, so a list.
        var searched: [UInt32] = []
        // Newest first: a lookup is most often for something recent.
        for run in runs.reversed() {
            var entry = try cursor.seek(run: run.id, atLeast: start)
            while let found = entry, found.prefix == start.prefix {
                // Several runs may name one bucket (envelopes of one bucket sharing 22 bits).
                if !searched.contains(found.bucket) {
                    searched.append(found.bucket)
                    for stored in try primary.entries(inBucket: found.bucket, where: { $0 == prefix })
                    where try self.hash(at: stored.location) == hash {
                        return (EnvelopeKey(sent: stored.sent, hash: hash), stored.location)
                    }
                }
                entry = try cursor.next()
            }
        }
        return nil
    }

    /// The hash of the envelope whose record lies at `location`.
    private func hash(at location: Location) throws(StoreError) -> Hash256 {
        try snapshot.hash(at: location, codec: codec)
    }

    /// A key a query selected: where its record lies, and its topic when the plan knows it.
    /// When `hashed` is false the key holds only the sent time and the hash's first 3 bytes
    /// (enough to order and bound it): the page hashes the record when it reads it.
    private struct SelectedKey {
        var key: EnvelopeKey
        let location: Location
        let topic: Topic?
        let hashed: Bool
    }

    /// Up to `limit` keys of the page, in order, and whether more remain.
    private func selectKeys(_ query: HistoryQuery) throws(StoreError) -> ([SelectedKey], Bool) {
        guard let range = query.keyRange else { return ([], false) }
        var keys: [SelectedKey] = []
        keys.reserveCapacity(query.limit + 1)
        switch query.filter {
        case .all:
            var cursor = try PrimaryIndex(txn: snapshot.txn, dbi: snapshot.dbs.primary).entries()
            var first = true
            try collect(range: range, limit: query.limit, into: &keys) { () throws(StoreError) -> Candidate? in
                let entry = first ? try cursor.seek(sent: range.lowerBound.sent, prefix: PrimaryEntry.prefix(of: range.lowerBound.hash))
                    : try cursor.next()
                first = false
                return entry.map { ($0.sent, $0.prefix, $0.location, nil) }
            }
        case .topics(let topics):
            try merge(topics: topics, range: range, limit: query.limit, into: &keys)
        case .bloom(let bloom):
            // Test the bloom of each stored topic the filter could accept, then read their lists.
            let topics = try TopicDirectory.topics(matching: bloom, snapshot.txn, snapshot.dbs.topicDirectory)
            try merge(topics: topics, range: range, limit: query.limit, into: &keys)
        }
        guard keys.count > query.limit else { return (keys, false) }
        keys.removeLast(keys.count - query.limit)
        return (keys, true)
    }

    /// An index entry a page may select: its sent time, hash prefix (0 from the topic index,
    /// which holds none), record and, from the topic index, its topic.
    private typealias Candidate = (sent: UInt32, prefix: UInt32, location: Location, topic: Topic?)

    /// The keys of the topics' envelopes in `range`, in order, until `limit` + 1 are found.
    private func merge(topics: Set<Topic>, range: ClosedRange<EnvelopeKey>, limit: Int,
                       into keys: inout [SelectedKey]) throws(StoreError) {
        guard !topics.isEmpty else { return }
        let (txn, dbs) = (snapshot.txn, snapshot.dbs)
        var merge = try TopicMerge(txn: txn, dbi: dbs.topics, runs: try snapshot.runs(), topics: topics, range: range)
        try collect(range: range, limit: limit, prefixed: false, into: &keys) { () throws(StoreError) -> Candidate? in
            try merge.next().map { ($0.sent, 0, $0.location, $0.topic) }
        }
    }

    /// Selects keys from candidates in (sent, hash prefix) order until `limit` + 1 are found
    /// or one lies past the range. Candidates are read a (sent, prefix) group at a time: a
    /// lone one strictly inside the range's ends is in it whatever the rest of its hash, so
    /// its key is completed when the page reads its record; any other group is hashed now,
    /// sorted by hash (entries sharing a 24-bit prefix within one second) and cut to the range.
    /// Without prefixes (`prefixed` false: the topic index, whose candidates all say 0) a
    /// group is a second, and the range's first and last seconds are never "strictly inside".
    private func collect(range: ClosedRange<EnvelopeKey>, limit: Int, prefixed: Bool = true,
                         into keys: inout [SelectedKey], next: () throws(StoreError) -> Candidate?) throws(StoreError) {
        let lower = (range.lowerBound.sent, prefixed ? PrimaryEntry.prefix(of: range.lowerBound.hash) : .max)
        let upper = (range.upperBound.sent, prefixed ? PrimaryEntry.prefix(of: range.upperBound.hash) : 0)
        var group: [SelectedKey] = []
        var pending = try next()
        while keys.count <= limit, let head = pending, (head.sent, head.prefix) <= upper {
            pending = try next()
            if pending.map({ $0.sent != head.sent || $0.prefix != head.prefix }) ?? true,
               (head.sent, head.prefix) > lower, (head.sent, head.prefix) < upper {
                let partial = Hash256(w0: UInt64(head.prefix) << 32, w1: 0, w2: 0, w3: 0)
                keys.append(SelectedKey(key: EnvelopeKey(sent: head.sent, hash: partial), location: head.location,
                                        topic: head.topic, hashed: false))
                continue
            }
            group.removeAll(keepingCapacity: true)
            group.append(SelectedKey(key: EnvelopeKey(sent: head.sent, hash: try hash(at: head.location)),
                                     location: head.location, topic: head.topic, hashed: true))
            while let following = pending, following.sent == head.sent, following.prefix == head.prefix {
                group.append(SelectedKey(key: EnvelopeKey(sent: following.sent, hash: try hash(at: following.location)),
                                         location: following.location, topic: following.topic, hashed: true))
                pending = try next()
            }
            if group.count > 1 { group.sort { $0.key < $1.key } }
            for selected in group where range.contains(selected.key) { keys.append(selected) }
        }
    }
}
