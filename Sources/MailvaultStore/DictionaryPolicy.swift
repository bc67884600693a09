/// Whether and how a store compresses records with a zstd dictionary trained from its own
/// records (`StoreConfiguration.dictionary`; none by default).
///
/// Small messages share little within themselves and much with each other (field names, JSON
/// keys, protocol framing); a dictionary carries that shared part once. Encrypted payloads
/// gain nothing: they stay raw, with or without a dictionary. Every dictionary trained is kept
/// in the database under its id, and each record names the one it was compressed with, so
/// records stay readable after a newer dictionary replaces it, and whether or not the store is
/// later opened with a policy.
public struct DictionaryPolicy: Hashable, Sendable {
    /// The dictionary's largest size in bytes (zstd's trainer may return less).
    public var maximumBytes: Int
    /// How many compressible records, newest first, a training reads.
    public var samples: Int
    /// Fewer compressible records than this: no dictionary is trained yet (records are
    /// compressed on their own meanwhile).
    public var minimumSamples: Int

    /// A policy; the defaults are a dictionary of at most 32 KiB trained from the newest 4,000
    /// compressible records, once at least 500 exist.
    public init(maximumBytes: Int = 32 << 10, samples: Int = 4000, minimumSamples: Int = 500) {
        self.maximumBytes = maximumBytes
        self.samples = samples
        self.minimumSamples = minimumSamples
    }
}
