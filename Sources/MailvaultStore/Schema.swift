import CLMDB

/// The database layout: names, flags and the version recorded in `meta` (see Docs/Storage.md).
enum Schema {
    /// Version 10: the layout described in Docs/Storage.md. Version 1 kept the topic and hash
    /// indexes as single random-keyed trees; version 2 kept them as runs keyed by
    /// `BE32(run) ++ subkey`; version 3 keeps each run as one key whose sorted duplicates are
    /// fixed-size entries (see `IndexRuns`); version 4 shortens topic entries to 16 bytes and
    /// record headers to 6 bytes for raw records, and adds zstd dictionaries; version 5 adds
    /// the topic directory (`TopicDirectory`); version 6 adds the sync buckets (`SyncBuckets`:
    /// `level u8 ++ BE32(bucket)` -> the bucket's 40-byte `KeySetSummary`); version 7 stores no
    /// full hash (the primary index keeps 11-byte entries in 64-second buckets, the hash is the
    /// record's keccak256), names records by their location in topic entries, and drops the PoW
    /// from new records; version 8 drops the hash bytes from topic entries (14 bytes) and
    /// shortens hash entries to 22 bits of hash and a 64-second bucket (6 bytes); version 9
    /// stores both indexes' runs as delta-coded chunks (`PackedRuns`) in new databases; version
    /// 10 stores the primary index as delta-coded chunks too (`PrimaryIndex`), in a new database.
    /// A build refuses newer versions; it migrates versions 1-5 to 6 in one write transaction,
    /// then 6 to 7, 7 to 8, 8 to 9 and 9 to 10 in steps that resume after a crash
    /// (`SchemaMigrator`).
    static let version: UInt32 = 10

    /// Blocks are sized to fill whole LMDB overflow pages: 16 pages of 4096 bytes, less the
    /// 16-byte page header LMDB puts in front of an overflow value.
    static let blockPages = 16

    /// Every named database, in the order they are opened.
    static let names = ["meta", "primaryChunks", "topicChunks", "hashChunks", "tiers", "blocks", "blockInfo", "indexRuns",
                        "topicDirectory", "syncBuckets"]

    /// Versions 3-6's primary index, topic and hash indexes and run directory, read and dropped
    /// by the migration to version 7.
    static let version6Names = (primary: "envelopes", topics: "topicIndex", hashes: "hashIndex", runs: "runs")

    /// Versions 7-8's topic and hash indexes (runs of fixed-size entries), read and dropped by
    /// the migration to version 9.
    static let version8Names = (topics: "topicEntries", hashes: "hashEntries")

    /// Versions 7-9's primary index (11-byte entries in 64-second buckets), read and dropped by
    /// the migration to version 10.
    static let version9Primary = "primary"

    /// Version 1's topic and hash indexes, read and dropped by the migration.
    static let version1IndexNames = (topics: "topics", hashes: "hashes")
    /// Version 2's topic and hash indexes, read and dropped by the migration.
    static let version2IndexNames = (topics: "topicRuns", hashes: "hashRuns")

    static func flags(of name: String) -> Int32 {
        switch name {
        case "primary", "topicEntries", "hashEntries", "topicIndex", "hashIndex", "tiers", "topicRuns", "hashRuns", "topics",
             "hashes": MDB_DUPSORT | MDB_DUPFIXED
        case "topicChunks", "hashChunks": MDB_DUPSORT
        default: 0
        }
    }

    /// Keys of `meta`.
    enum Meta {
        static let schema = Array("schema".utf8)
        static let count = Array("count".utf8)
        static let rawBytes = Array("rawBytes".utf8)
        static let storedBytes = Array("storedBytes".utf8)
        static let compressed = Array("compressed".utf8)
        static let nextBlock = Array("nextBlock".utf8)
        static let openBlock = Array("openBlock".utf8)
        static let tiers = Array("tiers".utf8)
        /// BE32: blocks numbered below it were written by schema 3 and keep its records
        /// (absent in stores created by schema 4).
        static let version3Blocks = Array("version3Blocks".utf8)
        /// BE32: blocks numbered below it were written before schema 7 and keep records with a
        /// PoW (absent in stores created by schema 7).
        static let version7Blocks = Array("version7Blocks".utf8)
        /// The migration to schema 7 is under way: the last version 6 primary key it moved (36
        /// bytes), or empty before the first step. Absent once it is done.
        static let migration = Array("migration".utf8)
        /// The migration to schema 8 is under way (empty value): some index runs may still hold
        /// schema 7's entries. Absent once it is done.
        static let runMigration = Array("runMigration".utf8)
        /// The migration to schema 9 is under way (empty value): some index runs may still be in
        /// schema 8's databases. Absent once it is done.
        static let chunkMigration = Array("chunkMigration".utf8)
        /// The migration to schema 10 is under way (empty value): some of the primary index may
        /// still be in schema 9's database. Absent once it is done.
        static let primaryMigration = Array("primaryMigration".utf8)
        /// BE32: the newest zstd dictionary's id (absent: none was trained).
        static let dictionaries = Array("dictionaries".utf8)

        /// BE64: how many commits have taken topics out of `topicDirectory`. A writer's cache of
        /// known topics is good only while this is unchanged (another process may prune).
        static let topicPrunes = Array("topicPrunes".utf8)

        /// The key of zstd dictionary `id`: "dictionary" ++ BE32(id).
        static func dictionary(_ id: UInt32) -> [UInt8] { Array("dictionary".utf8) + BigEndian.bytes(id) }
    }
}

/// Which record format each block holds: schema 3's blocks keep their records after the
/// migration to schema 4 (rewriting them would rewrite the whole store); they are read as
/// they are and re-encoded when compaction moves their records.
struct BlockFormats: Sendable {
    /// The first block written by schema 4.
    var firstVersion4Block: UInt32
    /// The first block written by schema 7.
    var firstVersion7Block: UInt32

    init(firstVersion4Block: UInt32 = 0, firstVersion7Block: UInt32 = 0) {
        self.firstVersion4Block = firstVersion4Block
        self.firstVersion7Block = firstVersion7Block
    }

    func format(of block: UInt32) -> Record.Format {
        block < firstVersion4Block ? .version3 : block < firstVersion7Block ? .version4 : .version7
    }

    static func read(_ txn: Transaction, _ meta: MDB_dbi) throws(StoreError) -> BlockFormats {
        func threshold(_ key: [UInt8]) throws(StoreError) -> UInt32 {
            guard let raw = try txn.get(meta, key) else { return 0 }
            guard raw.count == 4 else { throw .corrupt("meta value '\(String(decoding: key, as: UTF8.self))' has \(raw.count) bytes") }
            return BigEndian.uint32(raw)
        }
        return BlockFormats(firstVersion4Block: try threshold(Schema.Meta.version3Blocks),
                            firstVersion7Block: try threshold(Schema.Meta.version7Blocks))
    }
}

/// The zstd dictionaries a transaction sees, for records that need one the codec has not loaded.
struct DictionarySource {
    let txn: Transaction
    let meta: MDB_dbi

    func bytes(of id: UInt32) throws(StoreError) -> [UInt8]? {
        try txn.get(meta, Schema.Meta.dictionary(id)).map { Array($0) }
    }

    /// The newest dictionary's id, if any.
    func newest() throws(StoreError) -> UInt32? {
        guard let raw = try txn.get(meta, Schema.Meta.dictionaries) else { return nil }
        guard raw.count == 4 else { throw .corrupt("meta value 'dictionaries' has \(raw.count) bytes") }
        return BigEndian.uint32(raw)
    }
}

/// The handles of the named databases of one environment.
struct Databases: Sendable {
    let meta: MDB_dbi
    /// A chunk's first `PrimaryEntry` (14 bytes) -> the chunk's following entries, delta-coded
    /// (`PrimaryIndex`).
    let primary: MDB_dbi
    /// `BE32(run)` -> sorted chunks of `TopicIndexEntry` values (`PackedRuns`).
    let topics: MDB_dbi
    /// `BE32(run)` -> sorted chunks of `HashIndexEntry` values (22 bits of hash and a primary
    /// bucket; confirmed against `primary` and the record).
    let hashes: MDB_dbi
    /// `tier u8` -> sorted 36-byte keys (only when PoW tiers are configured).
    let tiers: MDB_dbi
    /// `BE32(block)` -> concatenated records.
    let blocks: MDB_dbi
    /// `BE32(block)` -> `BE32(live records) ++ BE32(live bytes) ++ BE32(size)`.
    let blockInfo: MDB_dbi
    /// `BE32(run)` -> level u8: the runs of `topics` and `hashes`.
    let runs: MDB_dbi
    /// `BE16(Bloom.lastIndex(of: topic)) ++ BE32(topic)` -> empty: the distinct stored topics.
    let topicDirectory: MDB_dbi
    /// `level u8 ++ BE32(sent >> SyncBuckets.shifts[level])` -> `KeySetSummary.storedBytes` (40):
    /// the count and hash sum of each non-empty bucket of sent time.
    let syncBuckets: MDB_dbi

    /// These handles with version 6's primary index, topic and hash indexes and run directory
    /// in place of this version's: what the migrations of versions 1-5 work on.
    func withVersion6Indexes(primary: MDB_dbi, topics: MDB_dbi, hashes: MDB_dbi, runs: MDB_dbi) -> Databases {
        Databases([meta, primary, topics, hashes, tiers, blocks, blockInfo, runs, topicDirectory, syncBuckets])
    }

    init(_ handles: [MDB_dbi]) {
        meta = handles[0]
        primary = handles[1]
        topics = handles[2]
        hashes = handles[3]
        tiers = handles[4]
        blocks = handles[5]
        blockInfo = handles[6]
        runs = handles[7]
        topicDirectory = handles[8]
        syncBuckets = handles[9]
    }
}
