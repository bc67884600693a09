/// `kernel.lanes` Keccak states side by side in the kernel's interleaved layout, with the sponge
/// steps the batch hasher and the sealer need. Owns its memory (64-byte aligned for vector loads).
struct KeccakLanes: ~Copyable {
    let kernel: KeccakKernel
    let lanes: Int
    let words: UnsafeMutablePointer<UInt64>

    init(kernel: KeccakKernel) {
        self.kernel = kernel
        lanes = kernel.lanes
        let raw = UnsafeMutableRawPointer.allocate(byteCount: 25 * lanes * 8, alignment: 64)
        words = raw.initializeMemory(as: UInt64.self, repeating: 0, count: 25 * lanes)
    }

    deinit {
        words.deallocate()
    }

    /// Runs the permutation on every lane.
    @inline(__always)
    func permute() {
        kernel.permute(words)
    }

    /// Word `index` of lane `lane`.
    @inline(__always)
    func word(_ index: Int, lane: Int) -> UInt64 {
        words[index * lanes + lane]
    }

    /// XORs `value` into word `index` of lane `lane`.
    @inline(__always)
    func xor(_ value: UInt64, into index: Int, lane: Int) {
        words[index * lanes + lane] ^= value
    }

    /// XORs one rate-sized block (136 bytes, little-endian words) into a lane.
    @inline(__always)
    func absorb(block: UnsafeRawPointer, lane: Int) {
        for index in 0..<(Keccak256.rate / 8) {
            words[index * lanes + lane] ^= UInt64(littleEndian: block.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
        }
    }

    /// Sets a lane to a 25-word state.
    @inline(__always)
    func load(_ state: UnsafePointer<UInt64>, lane: Int) {
        for index in 0..<25 {
            words[index * lanes + lane] = state[index]
        }
    }

    /// Zeroes a lane.
    func clear(lane: Int) {
        for index in 0..<25 {
            words[index * lanes + lane] = 0
        }
    }

    /// The Keccak-256 digest held in a lane after its final permutation.
    @inline(__always)
    func digest(lane: Int) -> Hash256 {
        Hash256(w0: word(0, lane: lane).byteSwapped, w1: word(1, lane: lane).byteSwapped,
                w2: word(2, lane: lane).byteSwapped, w3: word(3, lane: lane).byteSwapped)
    }
}

extension Keccak256 {
    /// Keccak-256 of many messages, hashed several at a time in the kernel's SIMD lanes.
    ///
    /// Each lane walks its own message block by block; when a message ends, its lane takes the
    /// next one, so messages of different lengths keep every lane busy. Results are in input
    /// order and bit-identical to `Keccak256.hash` of each message.
    @_optimize(speed)
    public static func hash(batch messages: [UnsafeRawBufferPointer], kernel: KeccakKernel = .best) -> [Hash256] {
        var results = [Hash256](repeating: .zero, count: messages.count)
        guard !messages.isEmpty else { return results }
        let state = KeccakLanes(kernel: kernel)
        let lanes = kernel.lanes
        var message = [Int](repeating: -1, count: lanes)
        var offset = [Int](repeating: 0, count: lanes)
        var finishing = [Bool](repeating: false, count: lanes)
        var next = 0
        for lane in 0..<min(lanes, messages.count) {
            message[lane] = next
            next += 1
        }
        var active = min(lanes, messages.count)
        withUnsafeTemporaryAllocation(byteCount: Keccak256.rate, alignment: 8) { lastBlock in
            let last = lastBlock.baseAddress!
            while active > 0 {
                for lane in 0..<lanes where message[lane] >= 0 {
                    let bytes = messages[message[lane]]
                    let remaining = bytes.count - offset[lane]
                    if remaining >= Keccak256.rate {
                        state.absorb(block: bytes.baseAddress! + offset[lane], lane: lane)
                        offset[lane] += Keccak256.rate
                    } else {
                        // The final block: what is left, then Keccak's pad10*1 with domain byte 0x01.
                        lastBlock.initializeMemory(as: UInt8.self, repeating: 0)
                        if remaining > 0 {
                            last.copyMemory(from: bytes.baseAddress! + offset[lane], byteCount: remaining)
                        }
                        lastBlock[remaining] ^= 0x01
                        lastBlock[Keccak256.rate - 1] ^= 0x80
                        state.absorb(block: last, lane: lane)
                        finishing[lane] = true
                    }
                }
                state.permute()
                for lane in 0..<lanes where finishing[lane] {
                    results[message[lane]] = state.digest(lane: lane)
                    state.clear(lane: lane)
                    finishing[lane] = false
                    offset[lane] = 0
                    if next < messages.count {
                        message[lane] = next
                        next += 1
                    } else {
                        message[lane] = -1
                        active -= 1
                    }
                }
            }
        }
        return results
    }
}
