import CLMDB
import MailvaultCore

/// Answers the store's reads from one snapshot: pages of a history query, lookups by hash and
/// presence checks.
///
/// A page is planned from the query's filter: `.all` walks the primary index; `.topics` merges
/// the topic index's runs for those topics (`TopicMerge`); `.bloom` first reads from the topic
/// directory the stored topics the filter accepts, then merges theirs. Keys are selected before
/// any record is read, and records are read in place.
struct QueryPlanner {
    let snapshot: ReadSnapshot
    let codec: RecordCodec

    /// One page of `query` with its envelopes, cut short by the query's byte budget.
    func page(_ query: HistoryQuery) throws(StoreError) -> HistoryPage {
        var (keys, next) = try selectKeys(query)
        var entries: [HistoryEntry] = []
        entries.reserveCapacity(keys.count)
        var budget = query.maximumBytes ?? .max
        let dictionaries = snapshot.dictionaries
        for (index, selected) in keys.enumerated() {
            let envelope = try snapshot.withRecord(at: selected.location) { (record) throws(StoreError) -> Envelope? in
                // The budget is checked on the record's raw length, before decoding it.
                let length = RecordCodec.rawLength(of: record)
                guard length <= budget || index == 0 else { return nil }
                budget -= min(length, budget)
                return try codec.envelope(of: record, dictionaries: dictionaries)
            }
            guard let envelope else {
                keys.removeSubrange(index...)
                next = keys.last?.key
                break
            }
            entries.append(HistoryEntry(key: selected.key, topic: envelope.topic, envelope: envelope))
        }
        return HistoryPage(entries: entries, next: next)
    }

    /// One page of `query` as keys and topics only: no envelope is decoded.
    func keyPage(_ query: HistoryQuery) throws(StoreError) -> HistoryPage {
        let (keys, next) = try selectKeys(query)
        var entries: [HistoryEntry] = []
        entries.reserveCapacity(keys.count)
        for selected in keys {
            let topic: Topic
            if let known = selected.topic {
                topic = known
            } else {
                topic = try snapshot.withRecord(at: selected.location) { (record) throws(StoreError) in record.topic }
            }
            entries.append(HistoryEntry(key: selected.key, topic: topic))
        }
        return HistoryPage(entries: entries, next: next)
    }

    /// The envelope with this hash, or `nil`.
    func envelope(hash: Hash256) throws(StoreError) -> Envelope? {
        guard let key = try locate(hash: hash, runs: try snapshot.runs()) else { return nil }
        let dictionaries = snapshot.dictionaries
        return try snapshot.withRecord(key: key) { (record) throws(StoreError) in
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

    /// The key of the envelope with this hash: each run of the hash index gives candidate sent
    /// times for the hash's first four bytes, each confirmed against the primary index.
    private func locate(hash: Hash256, runs: [IndexRuns.Run]) throws(StoreError) -> EnvelopeKey? {
        let (txn, dbs) = (snapshot.txn, snapshot.dbs)
        let start = HashIndexEntry(key: EnvelopeKey(sent: 0, hash: hash))
        let cursor = try txn.cursor(dbs.hashes)
        // Newest first: a lookup is most often for something recent.
        for run in runs.reversed() {
            var entry = try cursor.get(MDB_GET_BOTH_RANGE, key: IndexRuns.key(run: run.id), value: start.bytes)
            while let current = entry, current.value.count == HashIndexEntry.byteCount,
                  case let found = HashIndexEntry(raw: current.value), found.prefix == start.prefix {
                let key = EnvelopeKey(sent: found.sent, hash: hash)
                if try txn.get(dbs.envelopes, key.bytes) != nil { return key }
                entry = try cursor.get(MDB_NEXT_DUP)
            }
        }
        return nil
    }

    /// A key a query selected: where its record lies, and its topic when the plan knows it.
    private typealias SelectedKey = (key: EnvelopeKey, location: Location, topic: Topic?)

    /// Up to `limit` keys of the page and the next cursor (the last key returned) when more remain.
    private func selectKeys(_ query: HistoryQuery) throws(StoreError) -> ([SelectedKey], EnvelopeKey?) {
        guard let range = query.keyRange else { return ([], nil) }
        var keys: [SelectedKey] = []
        keys.reserveCapacity(query.limit + 1)
        switch query.filter {
        case .all:
            let cursor = try snapshot.txn.cursor(snapshot.dbs.envelopes)
            var entry = try cursor.get(MDB_SET_RANGE, key: range.lowerBound.bytes)
            while let current = entry, keys.count <= query.limit {
                let key = EnvelopeKey(raw: current.key)
                guard key <= range.upperBound else { break }
                keys.append((key, try Location(raw: current.value), nil))
                entry = try cursor.get(MDB_NEXT)
            }
        case .topics(let topics):
            try merge(topics: topics, range: range, limit: query.limit, into: &keys)
        case .bloom(let bloom):
            // Test the bloom of each stored topic the filter could accept, then read their lists.
            let topics = try TopicDirectory.topics(matching: bloom, snapshot.txn, snapshot.dbs.topicDirectory)
            try merge(topics: topics, range: range, limit: query.limit, into: &keys)
        }
        guard keys.count > query.limit else { return (keys, nil) }
        keys.removeLast(keys.count - query.limit)
        return (keys, keys.last?.key)
    }

    private func merge(topics: Set<Topic>, range: ClosedRange<EnvelopeKey>, limit: Int,
                       into keys: inout [SelectedKey]) throws(StoreError) {
        guard !topics.isEmpty else { return }
        let (txn, dbs) = (snapshot.txn, snapshot.dbs)
        var merge = try TopicMerge(txn: txn, dbi: dbs.topics, runs: try snapshot.runs(), topics: topics, range: range)
        let primary = try txn.cursor(dbs.envelopes)
        var search = [UInt8](repeating: 0, count: EnvelopeKey.byteCount)
        var candidates: [(EnvelopeKey, Location)] = []
        while keys.count <= limit, let (prefix, first, more) = try merge.next() {
            try KeyResolver.keys(withPrefix: prefix, primary: primary, search: &search, into: &candidates)
            // The common case, resolved as `KeyResolver.resolve` does without building its arrays.
            if candidates.count == 1, more.isEmpty {
                if range.contains(candidates[0].0) { keys.append((candidates[0].0, candidates[0].1, first)) }
                continue
            }
            let resolved = try KeyResolver.resolve(topics: [first] + more, candidates: candidates.map(\.0), range: range) {
                (index) throws(StoreError) -> Topic in
                try snapshot.withRecord(at: candidates[index].1) { (record) throws(StoreError) in record.topic }
            }
            for (index, topic) in resolved { keys.append((candidates[index].0, candidates[index].1, topic)) }
        }
    }
}
