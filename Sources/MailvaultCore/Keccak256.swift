/// Keccak-256 as Ethereum uses it: the original Keccak submission's padding (domain byte 0x01),
/// not NIST SHA3-256 (0x06). Rate 136 bytes, capacity 512 bits.
///
/// Incremental: `update` any number of times, then `finalize()`. `finalize` does not disturb
/// the hasher, so a hasher that has absorbed a common prefix is a reusable midstate.
public struct Keccak256: Sendable {
    /// Bytes absorbed per permutation.
    public static let rate = 136

    @usableFromInline var state = KeccakState()
    /// Bytes of the current, not yet permuted block (0 ..< rate).
    @usableFromInline var pending = 0
    /// The one-lane permutation in use.
    public let kernel: KeccakKernel

    /// A hasher that has absorbed nothing, on the fastest single-state kernel of this CPU.
    public init() {
        kernel = .bestSingle
    }

    /// A hasher on a given one-lane kernel (the scalar Swift code, say, to compare against).
    public init(kernel: KeccakKernel) {
        precondition(kernel.lanes == 1, "Keccak256 runs one state; use hash(batch:kernel:) for lanes")
        self.kernel = kernel
    }

    /// Absorbs `bytes`.
    @_optimize(speed)
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        guard count > 0 else { return }
        var offset = 0
        var pending = self.pending
        let kernel = self.kernel
        state.withLanes { lanes in
            while pending != 0 && offset < count {
                lanes[pending >> 3] ^= UInt64(bytes[offset]) << UInt64((pending & 7) << 3)
                pending += 1
                offset += 1
                if pending == Keccak256.rate {
                    kernel.permute(lanes.baseAddress!)
                    pending = 0
                }
            }
            let blocks = (count - offset) / Keccak256.rate
            if blocks > 0 {
                kernel.absorb(lanes.baseAddress!, blocks: bytes.baseAddress! + offset, count: blocks)
                offset += blocks * Keccak256.rate
            }
            while offset < count {
                lanes[pending >> 3] ^= UInt64(bytes[offset]) << UInt64((pending & 7) << 3)
                pending += 1
                offset += 1
            }
        }
        self.pending = pending
    }

    /// Absorbs the bytes of any collection (contiguous collections are read in place).
    @inlinable
    public mutating func update<C: Collection<UInt8>>(_ bytes: C) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil {
            Array(bytes).withUnsafeBytes { update($0) }
        }
    }

    /// The digest of everything absorbed so far. The hasher itself is left unchanged.
    @_optimize(speed)
    public func finalize() -> Hash256 {
        var state = self.state
        let pending = self.pending
        return state.withLanes { lanes in
            lanes[pending >> 3] ^= 0x01 << UInt64((pending & 7) << 3)
            lanes[Keccak256.rate / 8 - 1] ^= 0x80 << 56
            kernel.permute(lanes.baseAddress!)
            return Hash256(w0: lanes[0].byteSwapped, w1: lanes[1].byteSwapped,
                           w2: lanes[2].byteSwapped, w3: lanes[3].byteSwapped)
        }
    }

    /// Keccak-256 of `bytes`.
    @_optimize(speed)
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> Hash256 {
        var hasher = Keccak256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Keccak-256 of the bytes of `bytes`.
    @inlinable
    public static func hash<C: Collection<UInt8>>(_ bytes: C) -> Hash256 {
        var hasher = Keccak256()
        hasher.update(bytes)
        return hasher.finalize()
    }
}
