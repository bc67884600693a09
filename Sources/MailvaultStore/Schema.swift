import CLMDB

/// The database layout: names, flags and the version recorded in `meta` (see Docs/Storage.md).
enum Schema {
    /// Version 1: the layout described in Docs/Storage.md. A build refuses newer versions and
    /// migrates older ones inside one write transaction at open.
    static let version: UInt32 = 1

    /// Blocks are sized to fill whole LMDB overflow pages: 16 pages of 4096 bytes, less the
    /// 16-byte page header LMDB puts in front of an overflow value.
    static let blockPages = 16

    /// Every named database, in the order they are opened.
    static let names = ["meta", "envelopes", "topics", "hashes", "tiers", "blocks", "blockInfo"]

    static func flags(of name: String) -> Int32 {
        switch name {
        case "topics", "hashes", "tiers": MDB_DUPSORT | MDB_DUPFIXED
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
    /// `BE32(topic)` -> sorted 36-byte keys.
    let topics: MDB_dbi
    /// `hash[0..<4]` -> sorted `BE32(sent)` (confirmed against `envelopes`).
    let hashes: MDB_dbi
    /// `tier u8` -> sorted 36-byte keys (only when PoW tiers are configured).
    let tiers: MDB_dbi
    /// `BE32(block)` -> concatenated records.
    let blocks: MDB_dbi
    /// `BE32(block)` -> `BE32(live records) ++ BE32(live bytes) ++ BE32(size)`.
    let blockInfo: MDB_dbi

    init(_ handles: [MDB_dbi]) {
        meta = handles[0]
        envelopes = handles[1]
        topics = handles[2]
        hashes = handles[3]
        tiers = handles[4]
        blocks = handles[5]
        blockInfo = handles[6]
    }
}
