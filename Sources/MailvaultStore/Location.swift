/// Where a record lies: a block and an offset in it (the primary index's 6-byte value).
struct Location: Hashable {
    var block: UInt32
    var offset: UInt16

    init(block: UInt32, offset: UInt16) {
        self.block = block
        self.offset = offset
    }

    init(raw: UnsafeRawBufferPointer) throws(StoreError) {
        guard raw.count == 6 else { throw .corrupt("an index entry of \(raw.count) bytes") }
        self.init(block: BigEndian.uint32(raw), offset: BigEndian.uint16(raw, at: 4))
    }

    /// The value's size in bytes.
    static let byteCount = 6

    /// The 6 bytes (block, offset; big-endian) in the first 6 bytes of a stack value.
    var wireWords: (UInt32, UInt16) { (block.bigEndian, offset.bigEndian) }

    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(6)
        BigEndian.append(block, to: &out)
        BigEndian.append(offset, to: &out)
        return out
    }
}
