import MailvaultCore

/// Big-endian integers in byte buffers: LMDB compares keys with memcmp, so every integer in a
/// key is big-endian to sort numerically.
enum BigEndian {
    static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    static func append(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        append(UInt32(truncatingIfNeeded: value >> 32), to: &bytes)
        append(UInt32(truncatingIfNeeded: value), to: &bytes)
    }

    static func bytes(_ value: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4)
        append(value, to: &out)
        return out
    }

    static func bytes(_ value: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(8)
        append(value, to: &out)
        return out
    }

    static func uint32(_ raw: UnsafeRawBufferPointer, at offset: Int = 0) -> UInt32 {
        UInt32(raw[offset]) << 24 | UInt32(raw[offset + 1]) << 16 | UInt32(raw[offset + 2]) << 8 | UInt32(raw[offset + 3])
    }

    static func uint16(_ raw: UnsafeRawBufferPointer, at offset: Int = 0) -> UInt16 {
        UInt16(raw[offset]) << 8 | UInt16(raw[offset + 1])
    }

    static func uint64(_ raw: UnsafeRawBufferPointer, at offset: Int = 0) -> UInt64 {
        UInt64(uint32(raw, at: offset)) << 32 | UInt64(uint32(raw, at: offset + 4))
    }

    static func uint32<C: Collection<UInt8>>(_ bytes: C) -> UInt32 {
        bytes.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }
}

extension EnvelopeKey {
    /// The key stored in the 36 bytes at `raw` (an LMDB key or value, read in place).
    init(raw: UnsafeRawBufferPointer) {
        let hash = Hash256(w0: BigEndian.uint64(raw, at: 4), w1: BigEndian.uint64(raw, at: 12),
                           w2: BigEndian.uint64(raw, at: 20), w3: BigEndian.uint64(raw, at: 28))
        self.init(sent: BigEndian.uint32(raw), hash: hash)
    }
}
