import CLMDB
import CZstd

/// Trains zstd dictionaries (zdict.h) from envelope RLPs, sampled from the newest records.
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

extension DictionaryTrainer {
    /// A dictionary trained from the newest compressible records of `snapshot`, and how many
    /// it used; `nil` when there are fewer than the policy's minimum. Reads at most 8 records
    /// per sample wanted, so a store of mostly encrypted payloads is not read whole.
    static func train(from snapshot: ReadSnapshot, policy: DictionaryPolicy,
                      codec: RecordCodec) throws(StoreError) -> (bytes: [UInt8], samples: Int)? {
        let dictionaries = snapshot.dictionaries
        var samples: [[UInt8]] = []
        var cursor = try PrimaryIndex(txn: snapshot.txn, dbi: snapshot.dbs.primary).entries()
        var entry = try cursor.last()
        var scanned = 0
        while let current = entry, samples.count < policy.samples, scanned < 8 * policy.samples {
            scanned += 1
            let sample = try snapshot.withRecord(at: current.location) {
                (record) throws(StoreError) -> [UInt8]? in
                record.kind == .raw ? nil : try codec.rlp(of: record, dictionaries: dictionaries)
            }
            if let sample { samples.append(sample) }
            entry = try cursor.previous()
        }
        guard samples.count >= max(1, policy.minimumSamples),
              let bytes = train(samples, maximumBytes: policy.maximumBytes) else { return nil }
        return (bytes, samples.count)
    }
}
