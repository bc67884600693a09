import CLMDB
import MailvaultCore
@testable import MailvaultStore

/// Rewrites a current store into older schemas' layouts, as the builds of those schemas left
/// them, so that the migrations at open can be tested.
enum LegacyStores {
    /// Schema 3's record: `kind u8 | payload length (LEB128) | topic BE32 | pow float32 BE | payload`.
    static func version3Record(kind: UInt8, topic: Topic, pow: Float, payload: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = [kind]
        var length = payload.count
        repeat {
            out.append(UInt8(length & 0x7F) | (length >> 7 == 0 ? 0 : 0x80))
            length >>= 7
        } while length != 0
        out += topic.bytes
        out += BigEndian.bytes(pow.bitPattern)
        out += Array(payload)
        return out
    }

    /// Schema 4-6's record: `head | [dictionary id] | [topic] | pow float32 BE | payload`.
    static func version4Record(kind: Record.Kind, topic: Topic, pow: Float, dictionary: UInt32 = 0, payload: [UInt8]) -> [UInt8] {
        let current = Record.encode(kind: kind, topic: topic, dictionary: dictionary, payload: payload)
        let header = current.count - payload.count
        return Array(current[0..<header]) + BigEndian.bytes(pow.bitPattern) + payload
    }

    /// The record formats of a store in schema 6's layout or older (no schema 7 blocks).
    static func version6Formats(_ txn: Transaction, _ meta: MDB_dbi) throws(StoreError) -> BlockFormats {
        var formats = try BlockFormats.read(txn, meta)
        formats.firstVersion7Block = .max
        return formats
    }

    /// Puts the store into schema 6's layout: a primary index of 36-byte keys (`envelopes`),
    /// 16-byte topic entries `BE32(topic) ++ BE32(sent) ++ hash[0..<8]` in the same runs, and
    /// every live record re-encoded with a PoW (NaN, as schema 6 left it without PoW checks),
    /// repacked in block order into blocks numbered from 0, the last one left open. The store
    /// must be closed and reopened afterwards (its handles of the dropped databases are gone).
    static func rewriteAsVersion6(_ store: EnvelopeStore) throws {
        let (dbs, codec, capacity) = (store.dbs, store.codec, store.blockCapacity)
        try store.environment.write { (txn) throws(StoreError) in
            let snapshot = try ReadSnapshot(txn: txn, dbs: dbs)
            let legacy = try Version6Databases.open(txn, dbs, create: true)
            // Every live record in block order, with its key.
            let keys = try storedKeys(snapshot, codec: codec)
            var live: [(key: EnvelopeKey, record: [UInt8])] = []
            let blocks = try txn.cursor(dbs.blocks)
            var block = try blocks.get(MDB_FIRST)
            while let current = block {
                let id = BigEndian.uint32(current.key)
                var offset = 0
                while offset < current.value.count {
                    let record = try Record.parse(block: current.value, at: offset, format: snapshot.blockFormats.format(of: id))
                    if let key = keys[Location(block: id, offset: UInt16(offset))] {
                        live.append((key, version4Record(kind: record.kind, topic: record.topic, pow: record.pow,
                                                         dictionary: record.dictionary, payload: Array(record.payload))))
                    }
                    offset += record.length
                }
                block = try blocks.get(MDB_NEXT)
            }
            // The runs, with version 6's topic entries and 8-byte hash entries of the keys
            // their topic entries name.
            for run in try IndexRuns.runs(txn, dbs) {
                let topics: [TopicIndexEntry] = try PackedRuns.entries(of: run.id, in: dbs.topics, txn)
                let cut = IndexRuns.sortedDistinct(topics.map { Version6TopicIndexEntry(topic: $0.topic, key: keys[$0.location]!) })
                let hashes = IndexRuns.sortedDistinct(topics.map { Version7HashIndexEntry(key: keys[$0.location]!) })
                try IndexRuns.write(cut, run: run.id, into: legacy.topics, txn)
                try IndexRuns.write(hashes, run: run.id, into: legacy.hashes, txn)
                try txn.put(legacy.runs, BigEndian.bytes(run.id), [run.level])
            }
            try repack(live, txn, dbs, primary: legacy.primary, capacity: capacity)
            for dbi in [dbs.primary, dbs.topics, dbs.hashes, dbs.runs] { try txn.dropDatabase(dbi) }
            try txn.delete(dbs.meta, Schema.Meta.version7Blocks)
            try txn.delete(dbs.meta, Schema.Meta.version3Blocks)
            try txn.put(dbs.meta, Schema.Meta.schema, BigEndian.bytes(UInt32(6)))
        }
    }

    /// The key of every stored envelope, by where its record lies.
    static func storedKeys(_ snapshot: ReadSnapshot, codec: RecordCodec) throws(StoreError) -> [Location: EnvelopeKey] {
        var keys: [Location: EnvelopeKey] = [:]
        var cursor = try snapshot.keyCursor(codec: codec)
        var entry = try cursor.first()
        while let current = entry {
            keys[current.location] = current.key
            entry = try cursor.next()
        }
        return keys
    }

    /// Puts the store into schema 9's layout: the packed primary index moved to schema 9's
    /// database (`Schema.version9Primary`) as 11-byte duplicates of 64-second buckets.
    static func rewriteAsVersion9(_ store: EnvelopeStore) throws {
        try store.environment.write { (txn) throws(StoreError) in
            let keys = try storedKeys(try ReadSnapshot(txn: txn, dbs: store.dbs), codec: store.codec)
            try rewritePrimaryAsVersion9(txn, store.dbs, keys: keys)
            try txn.put(store.dbs.meta, Schema.Meta.schema, BigEndian.bytes(UInt32(9)))
        }
    }

    /// Schema 9's bucket key and 11-byte value of `entry`, with the hash's first four bytes
    /// `prefix` (`u8(sent & 63) ++ prefix ++ BE32(block) ++ BE16(offset)` under `BE32(sent >> 6)`).
    static func version9Primary(_ entry: PrimaryEntry, prefix: UInt32) -> (key: [UInt8], value: [UInt8]) {
        var value: [UInt8] = [UInt8(entry.sent & 63)]
        BigEndian.append(prefix, to: &value)
        BigEndian.append(entry.location.block, to: &value)
        BigEndian.append(entry.location.offset, to: &value)
        return (BigEndian.bytes(entry.sent >> 6), value)
    }

    /// Moves every entry of the packed primary index into schema 9's database, with the four
    /// hash bytes schema 9 kept (from `keys`).
    static func rewritePrimaryAsVersion9(_ txn: Transaction, _ dbs: Databases, keys: [Location: EnvelopeKey]) throws(StoreError) {
        let name = Schema.version9Primary
        guard let legacy = try txn.openExisting(name, flags: Schema.flags(of: name) | MDB_CREATE) else {
            throw StoreError.corrupt("schema 9's primary database")
        }
        var cursor = try PrimaryIndex(txn: txn, dbi: dbs.primary).entries()
        var entry = try cursor.first()
        var entries: [PrimaryEntry] = []
        while let current = entry {
            entries.append(current)
            entry = try cursor.next()
        }
        try txn.clear(dbs.primary)
        for entry in entries {
            let (key, value) = version9Primary(entry, prefix: UInt32(truncatingIfNeeded: keys[entry.location]!.hash.w0 >> 32))
            try txn.put(legacy, key, value, flags: MDB_NODUPDATA)
        }
    }

    /// Puts the store into schema 8's layout: each packed run moved to schema 8's databases
    /// (`Schema.version8Names`) as 14-byte topic entries and 6-byte hash entries, and the
    /// primary index in schema 9's form (`rewriteAsVersion9`).
    static func rewriteAsVersion8(_ store: EnvelopeStore) throws {
        try rewriteRuns(store, version: 8) { (txn, run, topics, hashes, _, legacy) throws(StoreError) in
            try IndexRuns.write(topics, run: run, into: legacy.topics, txn, appending: false)
            try IndexRuns.write(hashes, run: run, into: legacy.hashes, txn, appending: false)
        }
    }

    /// Puts the store into schema 7's layout: each packed run moved to schema 8's databases as
    /// 18-byte topic entries (`BE32(topic) ++ BE32(sent) ++ hash[0..<4] ++ location`) and 8-byte
    /// hash entries (`hash[0..<4] ++ BE32(sent)`) of the keys its topic entries name, and the
    /// primary index in schema 9's form (schema 7's). Blocks are schema 7's already.
    static func rewriteAsVersion7(_ store: EnvelopeStore) throws {
        try rewriteRuns(store, version: 7) { (txn, run, topics, _, keys, legacy) throws(StoreError) in
            let old = IndexRuns.sortedDistinct(topics.map {
                Version7TopicIndexEntry(topic: $0.topic, key: keys[$0.location]!, location: $0.location)
            })
            let hashes = IndexRuns.sortedDistinct(topics.map { Version7HashIndexEntry(key: keys[$0.location]!) })
            try IndexRuns.write(old, run: run, into: legacy.topics, txn, appending: false)
            try IndexRuns.write(hashes, run: run, into: legacy.hashes, txn, appending: false)
        }
    }

    /// Takes every packed run out of the store's index databases, hands its entries to `write`
    /// with schema 8's index databases (created), and records `version`.
    private static func rewriteRuns(
        _ store: EnvelopeStore, version: UInt32,
        _ write: (Transaction, UInt32, [TopicIndexEntry], [HashIndexEntry], [Location: EnvelopeKey],
                  (topics: MDB_dbi, hashes: MDB_dbi)) throws(StoreError) -> Void
    ) throws {
        let (dbs, codec) = (store.dbs, store.codec)
        try store.environment.write { (txn) throws(StoreError) in
            let keys = try storedKeys(try ReadSnapshot(txn: txn, dbs: dbs), codec: codec)
            let names = Schema.version8Names
            guard let topics = try txn.openExisting(names.topics, flags: Schema.flags(of: names.topics) | MDB_CREATE),
                  let hashes = try txn.openExisting(names.hashes, flags: Schema.flags(of: names.hashes) | MDB_CREATE) else {
                throw StoreError.corrupt("schema 8's index databases")
            }
            for run in try IndexRuns.runs(txn, dbs) {
                let topicEntries: [TopicIndexEntry] = try PackedRuns.entries(of: run.id, in: dbs.topics, txn)
                let hashEntries: [HashIndexEntry] = try PackedRuns.entries(of: run.id, in: dbs.hashes, txn)
                try IndexRuns.delete(run: run.id, from: dbs.topics, txn)
                try IndexRuns.delete(run: run.id, from: dbs.hashes, txn)
                try write(txn, run.id, topicEntries, hashEntries, keys, (topics, hashes))
            }
            try rewritePrimaryAsVersion9(txn, dbs, keys: keys)
            try txn.put(dbs.meta, Schema.Meta.schema, BigEndian.bytes(version))
        }
    }

    /// Writes `live` records into blocks numbered from 0 (the last one left open) and their
    /// keys into a version 6 primary index, replacing every block.
    static func repack(_ live: [(key: EnvelopeKey, record: [UInt8])], _ txn: Transaction, _ dbs: Databases,
                       primary: MDB_dbi, capacity: Int) throws(StoreError) {
        try txn.clear(dbs.blocks)
        try txn.clear(dbs.blockInfo)
        try txn.clear(primary)
        var block: [UInt8] = []
        var id: UInt32 = 0
        var records: UInt32 = 0
        var stored: UInt64 = 0
        func flush() throws(StoreError) {
            try txn.put(dbs.blocks, BigEndian.bytes(id), block)
            try txn.put(dbs.blockInfo, BigEndian.bytes(id),
                        BigEndian.bytes(records) + BigEndian.bytes(UInt32(block.count)) + BigEndian.bytes(UInt32(block.count)))
        }
        for (key, record) in live {
            if block.count + record.count > capacity {
                try flush()
                id += 1
                block = []
                records = 0
            }
            try txn.put(primary, key.bytes, Location(block: id, offset: UInt16(block.count)).bytes)
            block += record
            records += 1
            stored += UInt64(record.count)
        }
        if !live.isEmpty { try flush() }
        try txn.put(dbs.meta, Schema.Meta.storedBytes, BigEndian.bytes(stored))
        try txn.put(dbs.meta, Schema.Meta.nextBlock, BigEndian.bytes(UInt64(id + 1)))
        if live.isEmpty {
            try txn.delete(dbs.meta, Schema.Meta.openBlock)
        } else {
            try txn.put(dbs.meta, Schema.Meta.openBlock, BigEndian.bytes(id))
        }
    }

    /// Puts the store into schema 5's layout: no sync buckets. The store must be closed and
    /// reopened afterwards (its handle of the dropped database is gone).
    static func rewriteAsVersion5(_ store: EnvelopeStore) throws {
        try rewriteAsVersion6(store)
        let dbs = store.dbs
        try store.environment.write { (txn) throws(StoreError) in
            try txn.dropDatabase(dbs.syncBuckets)
            try txn.put(dbs.meta, Schema.Meta.schema, BigEndian.bytes(UInt32(5)))
        }
    }

    /// Puts the store into schema 4's layout: no topic directory (and no sync buckets). The
    /// store must be closed and reopened afterwards (its directory handle is gone).
    static func rewriteAsVersion4(_ store: EnvelopeStore) throws {
        try rewriteAsVersion5(store)
        let dbs = store.dbs
        try store.environment.write { (txn) throws(StoreError) in
            try txn.dropDatabase(dbs.topicDirectory)
            try txn.put(dbs.meta, Schema.Meta.schema, BigEndian.bytes(UInt32(4)))
        }
    }

    /// Puts the store into schema 3's layout: 40-byte topic entries `BE32(topic) ++ key` in
    /// the same runs, and every live record re-encoded in schema 3's format, repacked in block
    /// order (so blocks keep mixing what they mixed) into blocks numbered from 0, the last one
    /// left open. Needs a store without dictionary records.
    static func rewriteAsVersion3(_ store: EnvelopeStore) throws {
        try rewriteAsVersion4(store)
        let capacity = store.blockCapacity
        try store.environment.write { (txn) throws(StoreError) in
            let dbs = try Version6Databases.open(txn, store.dbs, create: false)
            // Topic entries first, while the records still parse as schema 4.
            let primary = try txn.cursor(dbs.primary)
            let formats = try version6Formats(txn, dbs.meta)
            func topic(of key: EnvelopeKey) throws(StoreError) -> Topic {
                guard let raw = try txn.get(dbs.primary, key.bytes) else { throw .corrupt("no key") }
                let location = try Location(raw: raw)
                guard let block = try txn.get(dbs.blocks, BigEndian.bytes(location.block)) else { throw .corrupt("no block") }
                return try Record.parse(block: block, at: Int(location.offset), format: formats.format(of: location.block)).topic
            }
            // The keys a version 6 entry names: those starting with its sent time and 8 hash bytes.
            func keys(named entry: Version6TopicIndexEntry) throws(StoreError) -> [EnvelopeKey] {
                var found: [EnvelopeKey] = []
                var current = try primary.get(MDB_SET_RANGE, key: EnvelopeKey(sent: entry.sent, hash: Hash256(
                    w0: entry.prefix, w1: 0, w2: 0, w3: 0)).bytes)
                while let raw = current, case let key = EnvelopeKey(raw: raw.key), key.sent == entry.sent,
                      key.hash.w0 == entry.prefix {
                    found.append(key)
                    current = try primary.get(MDB_NEXT)
                }
                return found
            }
            for run in try IndexRuns.runs(txn, dbs) {
                let entries: [Version6TopicIndexEntry] = try IndexRuns.entries(of: run.id, in: dbs.topics, txn)
                guard !entries.isEmpty else { continue }
                var full: [Version3TopicIndexEntry] = []
                for entry in entries {
                    for key in try keys(named: entry) where try topic(of: key) == entry.topic {
                        full.append(Version3TopicIndexEntry(topic: entry.topic, key: key))
                    }
                }
                try IndexRuns.delete(run: run.id, from: dbs.topics, txn)
                try IndexRuns.write(full.sorted(), run: run.id, into: dbs.topics, txn, appending: false)
            }

            // Then the records: live ones in block order, re-encoded and repacked.
            var owner: [UInt64: EnvelopeKey] = [:]
            var entry = try primary.get(MDB_FIRST)
            while let current = entry {
                let location = try Location(raw: current.value)
                owner[UInt64(location.block) << 16 | UInt64(location.offset)] = EnvelopeKey(raw: current.key)
                entry = try primary.get(MDB_NEXT)
            }
            var live: [(key: EnvelopeKey, record: [UInt8])] = []
            let blocks = try txn.cursor(dbs.blocks)
            entry = try blocks.get(MDB_FIRST)
            while let current = entry {
                let id = BigEndian.uint32(current.key)
                var offset = 0
                while offset < current.value.count {
                    let record = try Record.parse(block: current.value, at: offset, format: formats.format(of: id))
                    if let key = owner[UInt64(id) << 16 | UInt64(offset)] {
                        live.append((key, version3Record(kind: record.kind.rawValue, topic: record.topic, pow: record.pow,
                                                         payload: record.payload)))
                    }
                    offset += record.length
                }
                entry = try blocks.get(MDB_NEXT)
            }
            try repack(live, txn, dbs, primary: dbs.primary, capacity: capacity)
            try txn.delete(dbs.meta, Schema.Meta.version3Blocks)
            try txn.put(dbs.meta, Schema.Meta.schema, BigEndian.bytes(UInt32(3)))
        }
    }

    /// Puts a store already in version 3's layout (`LegacyStores.rewriteAsVersion3`) into
    /// version 1's (single trees keyed by topic and by hash prefix, no run directory) and
    /// records version 1, as a version 1 build left it.
    static func rewriteAsVersion1(_ store: EnvelopeStore) throws {
        try store.environment.write { (txn) throws(StoreError) in
            let dbs = try Version6Databases.open(txn, store.dbs, create: false)
            let flags = MDB_DUPSORT | MDB_DUPFIXED | MDB_CREATE
            for (name, dbi) in [("topics", dbs.topics), ("hashes", dbs.hashes)] {
                guard let legacy = try txn.openExisting(name, flags: flags) else { throw StoreError.corrupt(name) }
                let cursor = try txn.cursor(dbi)
                var entry = try cursor.get(MDB_FIRST)
                while let current = entry {
                    try txn.put(legacy, Array(current.value.prefix(4)), Array(current.value.dropFirst(4)))
                    entry = try cursor.get(MDB_NEXT)
                }
                try txn.clear(dbi)
            }
            try txn.clear(dbs.runs)
            try txn.put(dbs.meta, Schema.Meta.schema, BigEndian.bytes(UInt32(1)))
        }
    }

    /// Puts a store already in version 3's layout into version 2's (keys `BE32(run) ++ subkey`,
    /// the rest of each entry as sorted duplicates) and records version 2, as a version 2 build left it.
    static func rewriteAsVersion2(_ store: EnvelopeStore) throws {
        try store.environment.write { (txn) throws(StoreError) in
            let dbs = try Version6Databases.open(txn, store.dbs, create: false)
            let flags = MDB_DUPSORT | MDB_DUPFIXED | MDB_CREATE
            let names = Schema.version2IndexNames
            for (name, dbi) in [(names.topics, dbs.topics), (names.hashes, dbs.hashes)] {
                guard let legacy = try txn.openExisting(name, flags: flags) else { throw StoreError.corrupt(name) }
                let cursor = try txn.cursor(dbi)
                var entry = try cursor.get(MDB_FIRST)
                while let current = entry {
                    try txn.put(legacy, Array(current.key) + Array(current.value.prefix(4)),
                                Array(current.value.dropFirst(4)))
                    entry = try cursor.get(MDB_NEXT)
                }
                try txn.clear(dbi)
            }
            try txn.put(dbs.meta, Schema.Meta.schema, BigEndian.bytes(UInt32(2)))
        }
    }
}
