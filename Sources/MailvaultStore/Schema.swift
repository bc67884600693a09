import CLMDB

/// The database layout: names, flags and the version recorded in `meta` (see Docs/Storage.md).
enum Schema {
    /// Version 3: the layout described in Docs/Storage.md. Version 1 kept the topic and hash
    /// indexes as single random-keyed trees; version 2 kept them as runs keyed by
    /// `BE32(run) ++ subkey`; version 3 keeps each run as one key whose sorted duplicates are
    /// fixed-size entries (see `IndexRuns`). A build refuses newer versions and migrates older
    /// ones inside one write transaction at open.
    static let version: UInt32 = 3

    /// Blocks are sized to fill whole LMDB overflow pages: 16 pages of 4096 bytes, less the
    /// 16-byte page header LMDB puts in front of an overflow value.
    static let blockPages = 16

    /// Every named database, in the order they are opened.
    static let names = ["meta", "envelopes", "topicIndex", "hashIndex", "tiers", "blocks", "blockInfo", "runs"]

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

    init(_ handles: [MDB_dbi]) {
        meta = handles[0]
        envelopes = handles[1]
        topics = handles[2]
        hashes = handles[3]
        tiers = handles[4]
        blocks = handles[5]
        blockInfo = handles[6]
        runs = handles[7]
    }
}
