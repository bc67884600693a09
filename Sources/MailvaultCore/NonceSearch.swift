/// The per-nonce work of sealing, with everything that does not depend on the nonce done once.
///
/// The PoW input is `rlpWithoutNonce ++ nonce(8, big-endian)`. Its full 136-byte blocks before
/// the nonce are absorbed once into a midstate; the rest (the prefix's tail, the nonce, the
/// padding) is one final block, or two when the nonce crosses a block boundary. The constant
/// bytes of those blocks are folded in ahead of time, so each nonce costs one XOR per touched
/// word and one permutation per final block.
struct NonceSearch: Sendable {
    /// Midstate XOR the constant part of the first final block.
    let firstBlockState: [UInt64]
    /// Constant part of the second final block (empty when there is one final block).
    let secondBlock: [UInt64]
    /// Byte offset of the nonce within the final block(s).
    let nonceOffset: Int

    init(rlpWithoutNonce prefix: [UInt8]) {
        let fullBlocks = prefix.count / Keccak256.rate
        var midstate = Keccak256()
        midstate.update(prefix[..<(fullBlocks * Keccak256.rate)])
        let tail = prefix[(fullBlocks * Keccak256.rate)...]
        let messageLength = tail.count + 8
        let regionLength = messageLength < Keccak256.rate ? Keccak256.rate : 2 * Keccak256.rate
        var region = [UInt8](repeating: 0, count: regionLength)
        region.replaceSubrange(0..<tail.count, with: tail)
        region[messageLength] ^= 0x01
        region[regionLength - 1] ^= 0x80
        let words = region.withUnsafeBytes { bytes in
            (0..<(regionLength / 8)).map { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }
        }
        var state = midstate.state
        firstBlockState = state.withLanes { lanes in
            (0..<25).map { $0 < 17 ? lanes[$0] ^ words[$0] : lanes[$0] }
        }
        secondBlock = regionLength > Keccak256.rate ? Array(words[17..<34]) : []
        nonceOffset = tail.count
    }

    /// XORs the nonce into the words of final block `block` (0 or 1) of `lane`.
    @inline(__always)
    func xorNonce(_ nonce: UInt64, block: Int, into state: borrowing KeccakLanes, lane: Int) {
        // The nonce's big-endian bytes, read as a little-endian word, sit at `nonceOffset`.
        let value = nonce.byteSwapped
        let first = nonceOffset >> 3
        let shift = UInt64((nonceOffset & 7) << 3)
        let blockStart = block * 17
        if first >= blockStart && first < blockStart + 17 {
            state.xor(value << shift, into: first - blockStart, lane: lane)
        }
        if shift != 0, first + 1 >= blockStart, first + 1 < blockStart + 17 {
            state.xor(value >> (64 - shift), into: first + 1 - blockStart, lane: lane)
        }
    }

    /// True when the nonce spans two final blocks (two permutations per nonce).
    var hasSecondBlock: Bool { !secondBlock.isEmpty }
}
