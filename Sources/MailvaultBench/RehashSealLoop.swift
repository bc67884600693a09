import MailvaultCore

/// go-ethereum's sealing loop, the baseline of the `seal` section: for every nonce, write it
/// into the buffer `rlpWithoutNonce ++ nonce` and hash the whole buffer again (whisperv6
/// `Envelope.Seal`). Mailvault's sealers absorb the fixed prefix once instead (the midstate).
struct RehashSealLoop {
    private var buffer: [UInt8]
    private var nonce: UInt64 = 0

    init(rlpWithoutNonce: [UInt8]) {
        buffer = rlpWithoutNonce + [UInt8](repeating: 0, count: 8)
    }

    /// Tries the next `count` nonces; returns a value derived from the hashes.
    mutating func tryNonces(_ count: Int) -> UInt64 {
        var sink: UInt64 = 0
        let nonceOffset = buffer.count - 8
        for _ in 0..<count {
            withUnsafeBytes(of: nonce.bigEndian) { bytes in
                for index in 0..<8 { buffer[nonceOffset + index] = bytes[index] }
            }
            sink ^= UInt64(Keccak256.hash(buffer).leadingZeroBitCount)
            nonce &+= 1
        }
        return sink
    }
}
