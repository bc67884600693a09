/// The Whisper v6 proof-of-work rules (EIP-627; go-ethereum `whisperv6/envelope.go`).
public enum ProofOfWork {
    /// keccak256(rlpWithoutNonce ++ nonce as 8 big-endian bytes).
    public static func hash<C: Collection<UInt8>>(rlpWithoutNonce: C, nonce: UInt64) -> Hash256 {
        var hasher = Keccak256()
        hasher.update(rlpWithoutNonce)
        return finishHash(hasher, nonce: nonce)
    }

    /// Finishes a PoW hash from a hasher that has absorbed `rlpWithoutNonce` (a midstate).
    @inlinable
    public static func finishHash(_ midstate: Keccak256, nonce: UInt64) -> Hash256 {
        var hasher = midstate
        withUnsafeBytes(of: nonce.bigEndian) { hasher.update($0) }
        return hasher.finalize()
    }

    /// `2^leadingZeros / rlpWithoutNonceLength / (ttl + diff)` in float64, as go-ethereum computes it.
    ///
    /// go-ethereum adds `ttl + diff` in uint32; here the sum is taken without wrapping (the two
    /// differ only for TTLs within 11 seconds of 2^32, which no live node accepts).
    @inlinable
    public static func value(leadingZeros: Int, rlpWithoutNonceLength: Int, ttl: UInt32, diff: UInt32 = 0) -> Double {
        let exponent = Double(sign: .plus, exponent: leadingZeros, significand: 1)
        return exponent / Double(rlpWithoutNonceLength) / (Double(ttl) + Double(diff))
    }

    /// go-ethereum's `powToFirstBit`: `max(1, ceil(log2(pow * (20 + dataLength) * ttl)))`, the
    /// number of leading zero bits its sealer aims for. It uses the envelope's size (20 + data),
    /// not the RLP length, so an envelope sealed to exactly these bits can fall a few percent
    /// short of `pow`; `Sealer` aims for the true PoW instead (see `requiredLeadingZeros`).
    public static func targetBits(pow: Double, dataLength: Int, ttl: UInt32) -> Int {
        let bits = (pow * Double(Envelope.headerLength + dataLength) * Double(ttl)).log2Ceil
        return max(1, bits)
    }

    /// The fewest leading zero bits for which the PoW of an envelope with this
    /// `rlpWithoutNonce` length and TTL reaches `pow`; `nil` if even 256 bits do not.
    public static func requiredLeadingZeros(pow: Double, rlpWithoutNonceLength: Int, ttl: UInt32) -> Int? {
        guard pow > 0 else { return 0 }
        var bits = max(0, (pow * Double(rlpWithoutNonceLength) * Double(ttl)).log2Ceil - 1)
        while bits <= 256 {
            if value(leadingZeros: bits, rlpWithoutNonceLength: rlpWithoutNonceLength, ttl: ttl) >= pow {
                return bits
            }
            bits += 1
        }
        return nil
    }
}

extension Double {
    /// `ceil(log2(self))` for positive finite values, computed exactly from the binary exponent
    /// (no `log2` from libm: Core uses the standard library only). Zero or less gives `Int.min`.
    @usableFromInline
    var log2Ceil: Int {
        guard self > 0 else { return Int.min }
        guard isFinite else { return Int.max }
        // self = significand * 2^exponent with significand in [1, 2); an exact power of two
        // has significand 1 and log2 = exponent, anything else rounds up to exponent + 1.
        return significand == 1 ? Int(exponent) : Int(exponent) + 1
    }
}
