import CZstd

/// Trains zstd dictionaries (zdict.h) from envelope RLPs.
enum DictionaryTrainer {
    /// A dictionary of at most `maximumBytes` for `samples`, or `nil` when zstd's trainer finds
    /// too little to learn from (too few or too short samples).
    static func train(_ samples: [[UInt8]], maximumBytes: Int) -> [UInt8]? {
        guard !samples.isEmpty, maximumBytes >= 256 else { return nil }
        let joined = Array(samples.joined())
        let sizes = samples.map { $0.count }
        var dictionary = [UInt8](repeating: 0, count: maximumBytes)
        let written = dictionary.withUnsafeMutableBytes { out in
            joined.withUnsafeBytes { input in
                sizes.withUnsafeBufferPointer { sizes in
                    ZDICT_trainFromBuffer(out.baseAddress, out.count, input.baseAddress, sizes.baseAddress,
                                          UInt32(sizes.count))
                }
            }
        }
        guard ZDICT_isError(written) == 0, written > 0 else { return nil }
        return Array(dictionary.prefix(written))
    }
}
