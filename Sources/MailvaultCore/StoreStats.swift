/// Counts and sizes of an archive, read from one snapshot (`EnvelopeStore.stats()`). A plain
/// value, so the wire module can encode it without linking the store.
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

    /// The figures, each as its field describes it.
    public init(schemaVersion: UInt32, envelopes: Int, topics: Int, rawBytes: UInt64, storedBytes: UInt64,
                fileBytes: UInt64, usedBytes: UInt64, compressedEnvelopes: Int, compressionRatio: Double,
                oldestSent: UInt32?, newestSent: UInt32?, blocks: Int, mapBytes: UInt64) {
        self.schemaVersion = schemaVersion
        self.envelopes = envelopes
        self.topics = topics
        self.rawBytes = rawBytes
        self.storedBytes = storedBytes
        self.fileBytes = fileBytes
        self.usedBytes = usedBytes
        self.compressedEnvelopes = compressedEnvelopes
        self.compressionRatio = compressionRatio
        self.oldestSent = oldestSent
        self.newestSent = newestSent
        self.blocks = blocks
        self.mapBytes = mapBytes
    }
}
