/// Bookkeeping of one block: how much of it is still referenced.
struct BlockInfo: Equatable {
    /// Records in the block that the primary index still points to.
    var liveRecords: UInt32
    /// Their bytes.
    var liveBytes: UInt32
    /// The block's length (live and dead records).
    var size: UInt32

    init(liveRecords: UInt32 = 0, liveBytes: UInt32 = 0, size: UInt32 = 0) {
        self.liveRecords = liveRecords
        self.liveBytes = liveBytes
        self.size = size
    }

    init(raw: UnsafeRawBufferPointer) throws(StoreError) {
        guard raw.count == 12 else { throw .corrupt("block information of \(raw.count) bytes") }
        self.init(liveRecords: BigEndian.uint32(raw), liveBytes: BigEndian.uint32(raw, at: 4),
                  size: BigEndian.uint32(raw, at: 8))
    }

    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(12)
        BigEndian.append(liveRecords, to: &out)
        BigEndian.append(liveBytes, to: &out)
        BigEndian.append(size, to: &out)
        return out
    }

    /// Mostly dead: moving the few live records out frees the whole block.
    var isSparse: Bool { liveRecords > 0 && UInt64(liveBytes) * 4 < UInt64(size) }
}
