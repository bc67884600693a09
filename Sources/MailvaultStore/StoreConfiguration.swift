/// How a store is opened.
public struct StoreConfiguration: Hashable, Sendable {
    /// zstd level for new records (1...19); 0 stores every record raw.
    public var compressionLevel: Int32
    /// Retention: ages, PoW tiers, size cap (applied by `EnvelopeStore.sweep(now:)`).
    public var retention: RetentionPolicy
    /// The memory map's first size; it doubles by itself whenever a write finds it full.
    public var initialMapBytes: Int
    /// Open read-only: no ingest, sweep or schema initialisation (for tools beside a running node).
    public var readOnly: Bool
    /// A zstd dictionary for compressible records, trained from the store's own records; `nil`
    /// (the default) compresses each record on its own. Records compressed with a dictionary
    /// read back whatever this says.
    public var dictionary: DictionaryPolicy?
    /// Envelopes moved per write transaction when a schema 6 store is migrated to 7 at open,
    /// and index entries rewritten per transaction (whole runs) when a schema 7 store is
    /// migrated to 8 (each transaction commits its progress, so an interrupted migration
    /// resumes there).
    public var migrationStep: Int

    /// A configuration; the defaults are zstd level 3 without a dictionary, 30-day retention,
    /// a 64 MiB first map.
    public init(compressionLevel: Int32 = 3, retention: RetentionPolicy = RetentionPolicy(),
                initialMapBytes: Int = 64 << 20, readOnly: Bool = false, dictionary: DictionaryPolicy? = nil,
                migrationStep: Int = 500_000) {
        self.compressionLevel = compressionLevel
        self.retention = retention
        self.initialMapBytes = initialMapBytes
        self.readOnly = readOnly
        self.dictionary = dictionary
        self.migrationStep = max(1, migrationStep)
    }
}
