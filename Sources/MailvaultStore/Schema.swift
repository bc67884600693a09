import CLMDB

/// The database layout: names, flags and the version recorded in `meta` (see Docs/Storage.md).
enum Schema {
    /// Version 6: the layout described in Docs/Storage.md. Version 1 kept the topic and hash
    /// indexes as single random-keyed trees; version 2 kept them as runs keyed by
    /// `BE32(run) ++ subkey`; version 3 keeps each run as one key whose sorted duplicates are
    /// fixed-size entries (see `IndexRuns`); version 4 shortens topic entries to 16 bytes and
    /// record headers to 6 bytes for raw records, and adds zstd dictionaries; version 5 adds
    /// the topic directory (`TopicDirectory`); version 6 adds the sync buckets (`SyncBuckets`:
    /// `level u8 ++ BE32(bucket)` -> the bucket's 40-byte `KeySetSummary`). A build refuses
    /// newer versions and migrates older ones inside one write transaction at open.
    static let version: UInt32 = 6

    /// Blocks are sized to fill whole LMDB overflow pages: 16 pages of 4096 bytes, less the
    /// 16-byte page header LMDB puts in front of an overflow value.
    static let blockPages = 16

    /// Every named database, in the order they are opened.
    static let names = ["meta", "envelopes", "topicIndex", "hashIndex", "tiers", "blocks", "blockInfo", "runs", "topicDirectory", "syncBuckets"]

    /// Version 1's topic and hash indexes, read and dropped by the migration.
    static let version1IndexNames = (topics: "topics", hashes: "hashes")
    /// Version 2's topic and hash indexes, read and dropped by the migration.
    static let version2IndexNames = (topics: "topicRuns", hashes: "hashRuns")

    static func flags(of name: String) -> Int32 {
        switch name {
        case "topicIndex", "hashIndex", "tiers", "topicRuns", "hashRuns", "topics", "hashes": MDB_DUPSORT | MDB_DUPFIXED
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
    let firstVersion4Block: UInt32

    func format(of block: UInt32) -> Record.Format {
        block < firstVersion4Block ? .version3 : .version4
    }

    static func read(_ txn: Transaction, _ meta: MDB_dbi) throws(StoreError) -> BlockFormats {
        guard let raw = try txn.get(meta, Schema.Meta.version3Blocks) else { return BlockFormats(firstVersion4Block: 0) }
        guard raw.count == 4 else { throw .corrupt("meta value 'version3Blocks' has \(raw.count) bytes") }
        return BlockFormats(firstVersion4Block: BigEndian.uint32(raw))
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
    /// `BE32(sent) ++ hash` -> `BE32(block) ++ BE16(offset)`.
    let envelopes: MDB_dbi
    /// `BE32(run)` -> sorted `BE32(topic) ++ key` (40 bytes each).
    let topics: MDB_dbi
    /// `BE32(run)` -> sorted `hash[0..<4] ++ BE32(sent)` (8 bytes each; confirmed against `envelopes`).
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

    init(_ handles: [MDB_dbi]) {
        meta = handles[0]
        envelopes = handles[1]
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
