/// Counts and sizes of a store, read from one snapshot.
public struct StoreStats: Hashable, Sendable {
    /// The schema version recorded in the database.
    public var schemaVersion: UInt32
    /// Envelopes stored.
    public var envelopes: Int
    /// Distinct topics stored.
    public var topics: Int
    /// Sum of the envelopes' RLP sizes.
    public var rawBytes: UInt64
    /// Sum of the stored records' sizes (after compression, with their small headers).
    public var storedBytes: UInt64
    /// Size of the database file.
    public var fileBytes: UInt64
    /// Bytes of the file's pages in use (the rest is LMDB's free list, reused before the file grows).
    public var usedBytes: UInt64
    /// Envelopes stored compressed.
    public var compressedEnvelopes: Int
    /// `rawBytes / storedBytes` (1 when empty).
    public var compressionRatio: Double
    /// Sent time of the oldest envelope, `nil` when empty.
    public var oldestSent: UInt32?
    /// Sent time of the newest envelope, `nil` when empty.
    public var newestSent: UInt32?
    /// Blocks holding records.
    public var blocks: Int
    /// The current memory-map size (grows by itself when full).
    public var mapBytes: UInt64
}
