import CLMDB
import MailvaultCore

/// Brings a store to this build's schema (`Schema.version`) when it is opened.
///
/// A newer schema is refused; a read-only open of an older one, or of one whose migration is
/// under way, is refused rather than misread. A writer migrates versions 1-5 to version 6 in one
/// write transaction (a crash leaves them intact), then version 6 to 7 in steps of
/// `StoreConfiguration.migrationStep` envelopes, each a transaction that records how far it
/// got (`meta/migration`), then version 7 to 8 and 8 to 9 a few index runs per transaction
/// (`meta/runMigration`, `meta/chunkMigration`), then 9 to 10 a few primary buckets per
/// transaction (`meta/primaryMigration`), so a crash at any point leaves a store that the next
/// read-write open finishes migrating. The tier index is rebuilt when the configured retention tiers
/// differ from those it was built with.
struct SchemaMigrator {
    let context: WriteContext

    /// Checks the recorded schema and tiers of the store in `environment`, migrating and
    /// rebuilding as needed (see the type's description).
    static func prepare(_ environment: Environment, _ dbs: Databases, codec: RecordCodec, blockCapacity: Int,
                        configuration: StoreConfiguration, directory: String) throws(StoreError) {
        let retention = configuration.retention
        let (version, tiersChanged, migratingFrom) = try environment.read {
            (txn) throws(StoreError) -> (UInt32?, Bool, UInt32?) in
            let version = try txn.get(dbs.meta, Schema.Meta.schema).map { BigEndian.uint32($0) }
            let tiers = try txn.get(dbs.meta, Schema.Meta.tiers).map { Array($0) } ?? []
            // The version a migration under way started from.
            let migratingFrom: UInt32? = try txn.get(dbs.meta, Schema.Meta.migration) != nil ? 6
                : try txn.get(dbs.meta, Schema.Meta.runMigration) != nil ? 7
                : try txn.get(dbs.meta, Schema.Meta.chunkMigration) != nil ? 8
                : try txn.get(dbs.meta, Schema.Meta.primaryMigration) != nil ? 9 : nil
            return (version, tiers != retention.tierSignature, migratingFrom)
        }
        if let version, version > Schema.version {
            throw .unsupportedSchema(found: version, supported: Schema.version)
        }
        guard !configuration.readOnly else {
            guard let version else { throw .corrupt("\(directory) holds no Mailvault store") }
            // An older layout is migrated only by a writer; reading it as this one would be wrong.
            guard version == Schema.version, migratingFrom == nil else {
                throw .needsMigration(directory: directory, version: migratingFrom ?? version)
            }
            return
        }
        let context = { (txn: Transaction, dbs: Databases) throws(StoreError) -> WriteContext in
            try WriteContext(txn: txn, dbs: dbs, codec: codec, retention: retention, blockCapacity: blockCapacity,
                             knownTopics: KnownTopics())
        }
        guard let version else {
            try environment.write { (txn) throws(StoreError) in
                try txn.put(dbs.meta, Schema.Meta.schema, BigEndian.bytes(Schema.version))
                let context = try context(txn, dbs)
                try context.rebuildTierIndex()
                try context.finish()
                try txn.put(dbs.meta, Schema.Meta.tiers, retention.tierSignature)
            }
            return
        }
        if version < 6 {
            // Versions 1-5 become version 6 in one transaction, on version 6's databases.
            try environment.write { (txn) throws(StoreError) in
                let legacy = try Version6Databases.open(txn, dbs, create: true)
                let context = try context(txn, legacy)
                try SchemaMigrator(context: context).migrate(from: version)
                try context.syncBuckets.finish()
                try context.blocks.finish()
                try txn.put(dbs.meta, Schema.Meta.schema, BigEndian.bytes(UInt32(6)))
            }
        }
        if version < 7 || migratingFrom == 6 {
            try Version7Migration(environment: environment, dbs: dbs, codec: codec, blockCapacity: blockCapacity,
                                  step: configuration.migrationStep).run(context: context)
        }
        // Only a store that was version 7 has runs of schema 7's entries; the migration from 6
        // writes packed runs (and one begun by an older build, runs of schema 8's entries).
        if version == 7 || migratingFrom == 7 {
            try Version8Migration(environment: environment, dbs: dbs, step: configuration.migrationStep).run()
        }
        if version < 9 || (migratingFrom.map { $0 < 9 } ?? false) {
            try Version9Migration(environment: environment, dbs: dbs, step: configuration.migrationStep).run()
        }
        if version < Schema.version || migratingFrom != nil {
            try Version10Migration(environment: environment, dbs: dbs, step: configuration.migrationStep).run()
        }
        guard tiersChanged else { return }
        try environment.write { (txn) throws(StoreError) in
            let context = try context(txn, dbs)
            try context.rebuildTierIndex()
            try context.finish()
            try txn.put(dbs.meta, Schema.Meta.tiers, retention.tierSignature)
        }
    }

    private var txn: Transaction { context.txn }
    private var dbs: Databases { context.dbs }

    /// Brings the indexes and blocks of a schema older than 6 to schema 6 (`context` works on
    /// version 6's databases).
    ///
    /// Versions 1 and 2 first get version 3's index layout (`migrateToVersion3`). Version 3's
    /// topic entries (`BE32(topic) ++ key`, 40 bytes) are then cut to version 4's 16 bytes,
    /// run by run, and the blocks written so far are marked as holding version 3's records
    /// (`meta/version3Blocks`); the open block is closed, so new records go to new blocks.
    /// Stores of version 4 or older then get their topic directory, built from the runs, and
    /// stores of version 5 or older their sync buckets, built from the primary index.
    func migrate(from version: UInt32) throws(StoreError) {
        if version <= 3 { try migrateToVersion4(from: version) }
        if version <= 4 {
            for topic in try TopicDirectory.indexedTopics(txn, dbs) {
                try txn.put(dbs.topicDirectory, TopicDirectory.key(topic), [])
            }
        }
        if version <= 5 { try context.syncBuckets.rebuild(from: dbs.primary) }
    }

    private func migrateToVersion4(from version: UInt32) throws(StoreError) {
        if version <= 2 { try migrateToVersion3(from: version) }
        for run in try context.indexRuns.runs() {
            let entries: [Version3TopicIndexEntry] = try IndexRuns.entries(of: run.id, in: dbs.topics, txn)
            guard !entries.isEmpty else { continue }
            try IndexRuns.delete(run: run.id, from: dbs.topics, txn)
            // Cutting keys to prefixes keeps the order; entries that become equal are one.
            let cut = IndexRuns.sortedDistinct(entries.map { Version6TopicIndexEntry(topic: $0.topic, key: $0.key) })
            try IndexRuns.write(cut, run: run.id, into: dbs.topics, txn, appending: false)
        }
        try context.blocks.markWrittenBlocks(as: .version3)
    }

    /// Rewrites version 1's or 2's indexes in version 3's layout, then drops them.
    ///
    /// Version 1 kept one tree per index (`BE32(topic)` -> keys, `hash[0..<4]` -> sent): it
    /// becomes one top-level run. Version 2 kept runs as keys `BE32(run) ++ subkey` (topic or
    /// hash prefix) with the rest as values: each run keeps its number and level, and its
    /// entries become `subkey ++ value` under the run's key. Either way the source is read in
    /// key order, which is the target's order, so every put appends.
    private func migrateToVersion3(from version: UInt32) throws(StoreError) {
        if version == 1 {
            let id = try context.indexRuns.nextRunID()
            let legacy = Schema.version1IndexNames
            for (name, dbi) in [(legacy.topics, dbs.topics), (legacy.hashes, dbs.hashes)] {
                try copyLegacy(name, into: dbi, keyBytes: 4) { _ in id }
            }
            try context.indexRuns.recordRun(IndexRuns.Run(id: id, level: IndexRuns.maximumLevel))
        } else if version == 2 {
            let legacy = Schema.version2IndexNames
            for (name, dbi) in [(legacy.topics, dbs.topics), (legacy.hashes, dbs.hashes)] {
                try copyLegacy(name, into: dbi, keyBytes: 8) { BigEndian.uint32($0) }
            }
        }
    }

    /// Copies one legacy index: each (key, value) becomes the value `key.suffix(4) ++ value`
    /// under `BE32(run(key))`.
    private func copyLegacy(_ name: String, into dbi: MDB_dbi, keyBytes: Int,
                            run: (UnsafeRawBufferPointer) -> UInt32) throws(StoreError) {
        guard let old = try txn.openExisting(name, flags: Schema.flags(of: name)) else { return }
        let source = try txn.cursor(old)
        let target = try txn.cursor(dbi)
        var entry = try source.get(MDB_FIRST)
        var previous: UInt32?
        while let current = entry {
            guard current.key.count == keyBytes else {
                throw .corrupt("a legacy '\(name)' key of \(current.key.count) bytes")
            }
            let id = run(current.key)
            let value = Array(current.key.suffix(4)) + Array(current.value)
            guard try target.put(IndexRuns.key(run: id), value, flags: previous == id ? MDB_APPENDDUP : MDB_APPEND) else {
                throw .corrupt("a legacy '\(name)' index is out of order")
            }
            previous = id
            entry = try source.get(MDB_NEXT)
        }
        try txn.dropDatabase(old)
    }
}

/// Version 6's primary index, topic and hash indexes and run directory, in place of version
/// 7's in a `Databases` value: what the migrations of older stores read and write.
enum Version6Databases {
    /// Opens them (creating the missing ones when `create`, for versions 1 and 2, which had no
    /// runs); `nil` when `create` is false and the environment has no version 6 primary index.
    static func open(_ txn: Transaction, _ dbs: Databases, create: Bool) throws(StoreError) -> Databases {
        let names = Schema.version6Names
        var handles: [MDB_dbi] = []
        for name in [names.primary, names.topics, names.hashes, names.runs] {
            guard let dbi = try txn.openExisting(name, flags: Schema.flags(of: name) | (create ? MDB_CREATE : 0)) else {
                throw .corrupt("the version 6 database '\(name)' is missing")
            }
            handles.append(dbi)
        }
        return dbs.withVersion6Indexes(primary: handles[0], topics: handles[1], hashes: handles[2], runs: handles[3])
    }
}

/// The migration of a version 6 store to version 7, a step of at most `step` envelopes per
/// write transaction:
///
/// 1. The first step marks every block written so far as holding version 6's records (they
///    keep their PoW; new records go to new blocks, `meta/version7Blocks`), records this
///    build's version with `meta/migration` empty (a version 6 build then refuses the store
///    instead of writing records in the old format into it), and starts moving.
/// 2. Each step reads the next envelopes of version 6's primary index (36-byte keys, in key
///    order), after the key recorded in `meta/migration`; puts each one's entry into the
///    packed primary index of schema 10 (appends, as the keys come in order); writes their topic entries
///    (topic from the record, with its location) and hash entries, in schema 9's packed runs
///    (so the later migrations find nothing to rewrite), as one new index run of
///    level 3 (the level of 512 commits: 8 such runs merge into the top level like any
///    other); and records the last key it moved.
/// 3. The step that finds no key left drops version 6's four databases and `meta/migration`.
///
/// The sync buckets, topic directory, tier index, blocks and counters do not change. A crash
/// loses at most the step under way; the next read-write open resumes after the last
/// committed one. Disk: version 6's indexes stay until the last step, beside the new ones.
struct Version7Migration {
    let environment: Environment
    let dbs: Databases
    let codec: RecordCodec
    let blockCapacity: Int
    let step: Int

    /// The level of the runs a step writes.
    static let runLevel: UInt8 = 3

    func run(context: (Transaction, Databases) throws(StoreError) -> WriteContext) throws(StoreError) {
        while true {
            let done = try environment.write { (txn) throws(StoreError) -> Bool in
                try self.step(txn, context: context)
            }
            if done { return }
        }
    }

    /// One step; returns true when the migration is complete.
    private func step(_ txn: Transaction, context: (Transaction, Databases) throws(StoreError) -> WriteContext)
        throws(StoreError) -> Bool
    {
        let legacy = try Version6Databases.open(txn, dbs, create: false)
        var progress = try txn.get(dbs.meta, Schema.Meta.migration).map { Array($0) }
        if progress == nil {
            let writer = try context(txn, dbs)
            try writer.blocks.markWrittenBlocks(as: .version6)
            try writer.blocks.finish()
            try txn.put(dbs.meta, Schema.Meta.schema, BigEndian.bytes(Schema.version))
            progress = []
        }
        let snapshot = try ReadSnapshot(txn: txn, dbs: dbs)
        let primary = PrimaryIndex(txn: txn, dbi: dbs.primary)
        let source = try txn.cursor(legacy.primary)
        var entry = progress?.isEmpty ?? true ? try source.get(MDB_FIRST) : try source.get(MDB_SET_RANGE, key: progress)
        if let current = entry, let progress, current.key.elementsEqual(progress) { entry = try source.get(MDB_NEXT) }
        var topics: [TopicIndexEntry] = []
        var hashes: [HashIndexEntry] = []
        var lastKey: [UInt8]?
        while let current = entry, topics.count < step {
            guard current.key.count == EnvelopeKey.byteCount else {
                throw .corrupt("a version 6 primary key of \(current.key.count) bytes")
            }
            let key = EnvelopeKey(raw: current.key)
            let location = try Location(raw: current.value)
            let topic = try snapshot.withRecord(at: location) { (record) throws(StoreError) in record.topic }
            try primary.put(PrimaryEntry(key: key, location: location))
            topics.append(TopicIndexEntry(topic: topic, key: key, location: location))
            hashes.append(HashIndexEntry(key: key))
            lastKey = Array(current.key)
            entry = try source.get(MDB_NEXT)
        }
        if !topics.isEmpty {
            let id = (try IndexRuns.runs(txn, dbs).last.map { $0.id + 1 }) ?? 0
            try PackedRuns.write(IndexRuns.sortedDistinct(topics), run: id, into: dbs.topics, txn)
            try PackedRuns.write(IndexRuns.sortedDistinct(hashes), run: id, into: dbs.hashes, txn)
            let run = IndexRuns.Run(id: id, level: Version7Migration.runLevel, sent: IndexRuns.Run.span(of: topics))
            try txn.put(dbs.runs, BigEndian.bytes(id), run.directoryValue, flags: MDB_APPEND)
        }
        guard entry == nil else {
            try txn.put(dbs.meta, Schema.Meta.migration, lastKey ?? [])
            return false
        }
        for dbi in [legacy.primary, legacy.topics, legacy.hashes, legacy.runs] { try txn.dropDatabase(dbi) }
        try txn.delete(dbs.meta, Schema.Meta.migration)
        return true
    }
}

/// The migration of a version 7 store to version 8, whole index runs at a time, at least
/// `step` entries per write transaction (a run is never split), in schema 8's databases
/// (`Schema.version8Names`, runs of fixed-size entries), which `Version9Migration` then packs:
///
/// 1. The first step records version 8 and `meta/runMigration` (a version 7 build then
///    refuses the store, and a read-only open of this build asks for a read-write one).
/// 2. Each step rewrites runs in place, oldest first: a run whose topic entries are still
///    schema 7's 18 bytes is read, deleted and written back under the same key as 14-byte
///    entries (the hash prefix dropped, re-sorted: within one topic and second the order was
///    by prefix, now by location), and likewise its 8-byte hash entries as 6-byte ones (the
///    prefix cut to 22 bits, the sent time to its 64-second bucket; entries that become equal
///    are one). A run's size tells whether it is done, so a step needs no other bookkeeping.
/// 3. The step that finds no run left to rewrite deletes `meta/runMigration`.
///
/// Blocks, the primary index, the sync buckets, the topic directory and the tier index do not
/// change. A crash loses at most the step under way. Disk: each step's transaction holds the
/// rewritten runs beside the old ones' pages (at most about 20 bytes per envelope it moves).
struct Version8Migration: SteppedMigration {
    let environment: Environment
    let dbs: Databases
    let step: Int

    /// One step; returns true when the migration is complete.
    func step(_ txn: Transaction) throws(StoreError) -> Bool {
        let names = Schema.version8Names
        guard let topics = try txn.openExisting(names.topics, flags: Schema.flags(of: names.topics)),
              let hashes = try txn.openExisting(names.hashes, flags: Schema.flags(of: names.hashes)) else {
            try txn.delete(dbs.meta, Schema.Meta.runMigration)
            return true
        }
        try begin(txn, marker: Schema.Meta.runMigration, version: 8)
        var moved = 0
        for run in try IndexRuns.runs(txn, dbs) {
            guard moved < step else { return false }
            moved += try rewrite(run.id, in: topics, txn) { (old: Version7TopicIndexEntry) in old.current }
            moved += try rewrite(run.id, in: hashes, txn) { (old: Version7HashIndexEntry) in old.current }
        }
        try txn.delete(dbs.meta, Schema.Meta.runMigration)
        return true
    }

    /// Rewrites run `id` of `dbi` in the current format when it still holds `Old` entries;
    /// returns how many it read.
    private func rewrite<Old: IndexEntry, New: IndexEntry>(_ id: UInt32, in dbi: MDB_dbi, _ txn: Transaction,
                                                          _ convert: (Old) -> New) throws(StoreError) -> Int {
        guard let first = try txn.get(dbi, IndexRuns.key(run: id)), first.count == Old.byteCount else { return 0 }
        let entries: [Old] = try IndexRuns.entries(of: id, in: dbi, txn)
        try IndexRuns.delete(run: id, from: dbi, txn)
        try IndexRuns.write(IndexRuns.sortedDistinct(entries.map(convert)), run: id, into: dbi, txn, appending: false)
        return entries.count
    }
}

/// The migration of a version 8 store to version 9, whole index runs at a time, at least
/// `step` entries per write transaction (a run is never split):
///
/// 1. The first step records version 9 (unless a migration from 6 recorded 10 already) and
///    `meta/chunkMigration` (a version 8 build then refuses the store, and a read-only open of
///    this build asks for a read-write one); `Version10Migration` follows.
/// 2. Each step moves runs, oldest first, from schema 8's databases (`Schema.version8Names`:
///    fixed-size entries) into this schema's packed ones under the same run number: read,
///    written as chunks (`PackedRuns`), deleted from the old database in the same
///    transaction, so a run is in exactly one of the two and needs no other bookkeeping; its
///    directory entry gets the span of sent times its entries cover.
/// 3. The step that finds no run left to move drops schema 8's two databases and deletes
///    `meta/chunkMigration`.
///
/// Nothing else changes. A crash loses at most the step under way. Disk: until the last step
/// the moved runs' old pages are free pages of the file, reused by later writes.
struct Version9Migration: SteppedMigration {
    let environment: Environment
    let dbs: Databases
    let step: Int

    /// One step; returns true when the migration is complete.
    func step(_ txn: Transaction) throws(StoreError) -> Bool {
        try begin(txn, marker: Schema.Meta.chunkMigration, version: 9)
        let names = Schema.version8Names
        let topics = try txn.openExisting(names.topics, flags: Schema.flags(of: names.topics))
        let hashes = try txn.openExisting(names.hashes, flags: Schema.flags(of: names.hashes))
        var moved = 0
        for run in try IndexRuns.runs(txn, dbs) {
            guard moved < step else { return false }
            let topicEntries: [TopicIndexEntry] = try topics.map { (old) throws(StoreError) in
                try move(run.id, from: old, to: dbs.topics, txn)
            } ?? []
            let hashEntries: [HashIndexEntry] = try hashes.map { (old) throws(StoreError) in
                try move(run.id, from: old, to: dbs.hashes, txn)
            } ?? []
            moved += topicEntries.count + hashEntries.count
            // The run's span of sent times, from its topic entries (or, once retention took
            // them all, its hash entries' buckets), so removals and queries can pass it by.
            var span = IndexRuns.Run.span(of: topicEntries)
            if topicEntries.isEmpty, let low = hashEntries.min(by: { $0.bucket < $1.bucket }),
               let high = hashEntries.max(by: { $0.bucket < $1.bucket }) {
                span = low.sentTimes.lowerBound...high.sentTimes.upperBound
            }
            if !topicEntries.isEmpty || !hashEntries.isEmpty {
                let spanned = IndexRuns.Run(id: run.id, level: run.level, sent: span)
                try txn.put(dbs.runs, BigEndian.bytes(run.id), spanned.directoryValue)
            }
        }
        for dbi in [topics, hashes].compactMap({ $0 }) { try txn.dropDatabase(dbi) }
        try txn.delete(dbs.meta, Schema.Meta.chunkMigration)
        return true
    }

    /// Moves run `id` from `old` to `new` when `old` still holds it; returns its entries.
    private func move<Entry: PackedEntry>(_ id: UInt32, from old: MDB_dbi, to new: MDB_dbi, _ txn: Transaction)
        throws(StoreError) -> [Entry]
    {
        guard let first = try txn.get(old, IndexRuns.key(run: id)) else { return [] }
        guard first.count == Entry.byteCount else { throw .corrupt("a schema 8 index value of \(first.count) bytes") }
        let entries: [Entry] = try IndexRuns.entries(of: id, in: old, txn)
        try IndexRuns.delete(run: id, from: old, txn)
        try PackedRuns.write(entries, run: id, into: new, txn, appending: false)
        return entries
    }
}

/// The migration of a version 9 store to version 10, whole 64-second buckets of the old primary
/// index at a time, at least `step` entries per write transaction:
///
/// 1. The first step records version 10 and `meta/primaryMigration` (a version 9 build then
///    refuses the store, and a read-only open of this build asks for a read-write one).
/// 2. Each step takes the first buckets of schema 9's primary index
///    (`Schema.version9Primary`: 11-byte duplicates under `BE32(sent >> 6)`), cuts their hash
///    prefixes to three bytes, puts the entries into the packed index (`PrimaryIndex`;
///    appends, as buckets come in order) and deletes them from the old database in the same
///    transaction, so an entry is in exactly one of the two and a step needs no other
///    bookkeeping.
/// 3. The step that finds no bucket left drops schema 9's database and deletes
///    `meta/primaryMigration`.
///
/// Nothing else changes: the other indexes name records by location and buckets by sent
/// time. A crash loses at most the step under way. A migration from version 6 begun by an
/// older build left its first entries in schema 9's database and the rest, this build's, in
/// the packed one: those are put one by one where they belong.
struct Version10Migration: SteppedMigration {
    let environment: Environment
    let dbs: Databases
    let step: Int

    /// One step; returns true when the migration is complete.
    func step(_ txn: Transaction) throws(StoreError) -> Bool {
        try begin(txn, marker: Schema.Meta.primaryMigration, version: 10)
        let name = Schema.version9Primary
        if let old = try txn.openExisting(name, flags: Schema.flags(of: name)) {
            let primary = PrimaryIndex(txn: txn, dbi: dbs.primary)
            let source = try txn.cursor(old)
            var moved: [PrimaryEntry] = []
            while moved.count < step, var entry = try source.get(MDB_FIRST) {
                let bucket = Array(entry.key)
                while true {
                    moved.append(try PrimaryEntry(version9Bucket: entry.key, value: entry.value))
                    guard let next = try source.get(MDB_NEXT_DUP) else { break }
                    entry = next
                }
                _ = try source.get(MDB_SET_KEY, key: bucket)
                try source.delete(flags: MDB_NODUPDATA)
            }
            // Cut to three bytes, prefixes that shared them may sort apart (within one second).
            moved.sort()
            try primary.put(sorted: moved)
            guard try source.get(MDB_FIRST) == nil else { return false }
            try txn.dropDatabase(old)
        }
        try txn.delete(dbs.meta, Schema.Meta.primaryMigration)
        return true
    }
}

/// A migration made of steps, each one write transaction that commits its progress, run until a
/// step reports that it is complete.
protocol SteppedMigration {
    var environment: Environment { get }
    var dbs: Databases { get }
    /// One step; returns true when the migration is complete.
    func step(_ txn: Transaction) throws(StoreError) -> Bool
}

extension SteppedMigration {
    func run() throws(StoreError) {
        while try !environment.write({ (txn) throws(StoreError) -> Bool in try self.step(txn) }) {}
    }

    /// At the first step (`marker` absent from `meta`): records `version`, unless the store
    /// records a higher one already (a migration from 6 writes schema 10's primary index and
    /// records 10 before the steps to 9 and 10 run), and puts the empty `marker`, so that
    /// older builds refuse the store and read-only opens ask for a read-write one.
    func begin(_ txn: Transaction, marker: [UInt8], version: UInt32) throws(StoreError) {
        guard try txn.get(dbs.meta, marker) == nil else { return }
        if try txn.get(dbs.meta, Schema.Meta.schema).map({ BigEndian.uint32($0) }) ?? 0 < version {
            try txn.put(dbs.meta, Schema.Meta.schema, BigEndian.bytes(version))
        }
        try txn.put(dbs.meta, marker, [])
    }
}
