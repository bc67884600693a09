import MailvaultCore

/// One element of a reconciled set: a timestamp and a 32-byte id, ordered by timestamp, then by
/// id byte by byte (docs/negentropy-protocol-v1.md, "Preparation").
///
/// In Mailvault the timestamp is an envelope's sent time and the id its hash.
public struct SyncItem: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The timestamp; `UInt64.max` is reserved for `SyncBound.infinity` and must not be used.
    public var timestamp: UInt64
    /// The 32-byte id.
    public var id: Hash256

    /// An item from its timestamp and id.
    @inlinable
    public init(timestamp: UInt64, id: Hash256) {
        self.timestamp = timestamp
        self.id = id
    }

    /// The item of an envelope: its sent time and its hash.
    @inlinable
    public init(sentTime: UInt32, hash: Hash256) {
        self.init(timestamp: UInt64(sentTime), id: hash)
    }

    @inlinable
    public static func < (a: SyncItem, b: SyncItem) -> Bool {
        a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.id < b.id
    }

    public var description: String { "\(timestamp):\(id)" }
}
