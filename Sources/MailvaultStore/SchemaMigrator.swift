import CLMDB
import MailvaultCore

/// Brings a store to this build's schema (`Schema.version`) when it is opened.
///
/// A newer schema is refused; an older one is migrated by a writer in one write transaction,
/// so that a crash leaves it intact; a read-only open of an older one is refused rather than
/// misread. The tier index is rebuilt in that same transaction when the configured retention
/// tiers differ from those it was built with.
struct SchemaMigrator {
    let context: WriteContext

    /// Checks the recorded schema and tiers of the store in `environment`, migrating and
    /// rebuilding as needed (see the type's description).
    static func prepare(_ environment: Environment, _ dbs: Databases, codec: RecordCodec, blockCapacity: Int,
                        configuration: StoreConfiguration, directory: String) throws(StoreError) {
        let retention = configuration.retention
        let (version, tiersChanged) = try environment.read { (txn) throws(StoreError) -> (UInt32?, Bool) in
            let version = try txn.get(dbs.meta, Schema.Meta.schema).map { BigEndian.uint32($0) }
            let tiers = try txn.get(dbs.meta, Schema.Meta.tiers).map { Array($0) } ?? []
            return (version, tiers != retention.tierSignature)
        }
        if let version, version > Schema.version {
            throw .unsupportedSchema(found: version, supported: Schema.version)
        }
        guard !configuration.readOnly else {
            guard let version else { throw .corrupt("\(directory) holds no Mailvault store") }
            // An older layout is migrated only by a writer; reading it as this one would be wrong.
            guard version == Schema.version else {
                throw .needsMigration(directory: directory, version: version)
            }
            return
        }
        // Older versions migrate here, in this one transaction, so a crash leaves them intact.
        let migrates = version.map { $0 < Schema.version } ?? false
        guard version == nil || tiersChanged || migrates else { return }
        try environment.write { (txn) throws(StoreError) in
            try txn.put(dbs.meta, Schema.Meta.schema, BigEndian.bytes(Schema.version))
            let context = try WriteContext(txn: txn, dbs: dbs, codec: codec, retention: retention,
                                           blockCapacity: blockCapacity, knownTopics: KnownTopics())
            if migrates, let version { try SchemaMigrator(context: context).migrate(from: version) }
            try context.rebuildTierIndex()
            try context.finish()
            try txn.put(dbs.meta, Schema.Meta.tiers, retention.tierSignature)
        }
    }

    private var txn: Transaction { context.txn }
    private var dbs: Databases { context.dbs }

    /// Brings the indexes and blocks of an older schema to this one.
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
        if version <= 5 { try context.syncBuckets.rebuild(from: dbs.envelopes) }
    }

    private func migrateToVersion4(from version: UInt32) throws(StoreError) {
        if version <= 2 { try migrateToVersion3(from: version) }
        for run in try context.indexRuns.runs() {
            let entries: [Version3TopicIndexEntry] = try IndexRuns.entries(of: run.id, in: dbs.topics, txn)
            guard !entries.isEmpty else { continue }
            try IndexRuns.delete(run: run.id, from: dbs.topics, txn)
            // Cutting keys to prefixes keeps the order; entries that become equal are one.
            let cut = IndexRuns.sortedDistinct(entries.map { TopicIndexEntry(topic: $0.topic, key: $0.key) })
            try IndexRuns.write(cut, run: run.id, into: dbs.topics, txn, appending: false)
        }
        try context.blocks.markWrittenBlocksVersion3()
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
