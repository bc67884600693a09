import MailvaultCore

/// Writes a message range by range: the delta-encoded timestamps, and the Skip ranges that keep
/// ranges contiguous when the writer jumps ahead.
struct MessageWriter {
    private(set) var bytes: [UInt8] = [NegentropyMessage.version1]
    private var lastTimestamp: UInt64 = 0
    /// Where the last written range ends.
    private(set) var end: SyncBound = .zero

    /// The state to roll back to when a range turns out too large for the frame.
    struct Checkpoint {
        fileprivate let count: Int, lastTimestamp: UInt64, end: SyncBound
    }

    var checkpoint: Checkpoint { Checkpoint(count: bytes.count, lastTimestamp: lastTimestamp, end: end) }

    mutating func rollBack(to checkpoint: Checkpoint) {
        bytes.removeSubrange(checkpoint.count...)
        lastTimestamp = checkpoint.lastTimestamp
        end = checkpoint.end
    }

    /// Whether nothing but the version byte has been written.
    var isEmpty: Bool { bytes.count == 1 }

    /// Writes `range`, after a Skip up to `lower` if the last range ended below it.
    mutating func append(_ range: NegentropyRange, from lower: SyncBound) {
        if end < lower { append(NegentropyRange(upperBound: lower, payload: .skip)) }
        append(range)
    }

    /// Writes `range` as it is.
    mutating func append(_ range: NegentropyRange) {
        let bound = range.upperBound
        if bound.isInfinity {
            bytes.append(0)
            lastTimestamp = .max
        } else {
            // Wrapping: only a sequence of descending bounds (an invalid message) could wrap.
            Varint.append(bound.timestamp &- lastTimestamp &+ 1, to: &bytes)
            lastTimestamp = bound.timestamp
        }
        Varint.append(UInt64(bound.isInfinity ? 0 : bound.prefixLength), to: &bytes)
        if !bound.isInfinity && bound.prefixLength > 0 { MessageWriter.append(bound.id, count: bound.prefixLength, to: &bytes) }
        Varint.append(range.payload.mode, to: &bytes)
        switch range.payload {
        case .skip: break
        case let .fingerprint(fingerprint): bytes.append(contentsOf: fingerprint.bytes)
        case let .idList(ids):
            Varint.append(UInt64(ids.count), to: &bytes)
            bytes.reserveCapacity(bytes.count + 32 * ids.count)
            for id in ids { MessageWriter.append(id, count: 32, to: &bytes) }
        }
        end = bound
    }

    /// Appends the first `count` bytes of `id`.
    static func append(_ id: Hash256, count: Int, to bytes: inout [UInt8]) {
        var written = 0
        for word in [id.w0, id.w1, id.w2, id.w3] {
            for shift in stride(from: 56, through: 0, by: -8) {
                guard written < count else { return }
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
                written += 1
            }
        }
    }

}
