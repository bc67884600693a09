import MailvaultCore
import MailvaultNode
import MailvaultStore
import MailvaultSync

/// An archive seen as a Negentropy item set: timestamp = sent time, id = hash. Summaries come
/// from the store's per-bucket aggregates, so a range costs a few bucket reads, not a scan.
public struct ArchiveSyncIndex: SyncIndex {
    /// The archive.
    public let archive: any Archive

    /// The index of `archive`.
    public init(archive: any Archive) {
        self.archive = archive
    }

    /// The first key at or above `bound`; `nil` when the bound is past every possible key.
    static func key(_ bound: SyncBound) -> EnvelopeKey? {
        guard bound.timestamp <= UInt64(UInt32.max) else { return nil }
        return EnvelopeKey(sent: UInt32(bound.timestamp), hash: bound.id)
    }

    public func summary(from lower: SyncBound, to upper: SyncBound) throws(SyncError) -> KeySetSummary {
        guard let low = ArchiveSyncIndex.key(lower), lower < upper else { return .empty }
        return try run { () throws(StoreError) in try archive.keySummary(from: low, to: ArchiveSyncIndex.key(upper)) }
    }

    public func items(from lower: SyncBound, to upper: SyncBound, limit: Int) throws(SyncError) -> [SyncItem] {
        guard let low = ArchiveSyncIndex.key(lower), lower < upper, limit > 0 else { return [] }
        return try run { () throws(StoreError) in
            try archive.keys(from: low, to: ArchiveSyncIndex.key(upper), limit: limit)
        }.map { SyncItem(sentTime: $0.sent, hash: $0.hash) }
    }

    public func split(from lower: SyncBound, to upper: SyncBound, parts: Int) throws(SyncError) -> [SyncBound] {
        guard let low = ArchiveSyncIndex.key(lower), lower < upper, parts > 1 else { return [] }
        let keys = try run { () throws(StoreError) in
            try archive.splitKeys(from: low, to: ArchiveSyncIndex.key(upper), parts: parts)
        }
        // A bucket edge (a zero hash) is written as a bare timestamp; a key inside a bucket in full.
        return keys.map { $0.hash == .zero ? SyncBound(timestamp: UInt64($0.sent)) : SyncBound(SyncItem(sentTime: $0.sent, hash: $0.hash)) }
    }

    private func run<T>(_ body: () throws(StoreError) -> T) throws(SyncError) -> T {
        do throws(StoreError) {
            return try body()
        } catch {
            throw .index("\(error)")
        }
    }
}
