/// A zstd dictionary the store recorded (`EnvelopeStore.trainDictionary()`).
public struct StoreDictionary: Hashable, Sendable {
    /// Its id in the database (1, 2, ... in the order they were trained).
    public let id: UInt32
    /// Its size in bytes.
    public let bytes: Int
    /// The records it was trained from.
    public let samples: Int

    /// A description of a recorded dictionary.
    public init(id: UInt32, bytes: Int, samples: Int) {
        self.id = id
        self.bytes = bytes
        self.samples = samples
    }
}
