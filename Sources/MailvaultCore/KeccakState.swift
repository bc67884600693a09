/// The Keccak-f[1600] permutation on one state: 25 lanes of 64 bits.
///
/// This is the scalar path: always available, always correct, and the reference the
/// lane-parallel kernels are tested against. Lane `x + 5y` holds the state word at
/// column x, row y, as in the Keccak reference (FIPS 202, section 3.1.4).
public struct KeccakState: Sendable {
    @usableFromInline
    var words: (UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64)

    /// The all-zero state a sponge starts from.
    @inlinable
    public init() {
        words = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    }

    /// Gives mutable access to the 25 lanes (index `x + 5y`).
    @inlinable
    public mutating func withLanes<R>(_ body: (UnsafeMutableBufferPointer<UInt64>) throws -> R) rethrows -> R {
        try withUnsafeMutablePointer(to: &words) { tuple in
            try tuple.withMemoryRebound(to: UInt64.self, capacity: 25) {
                try body(UnsafeMutableBufferPointer(start: $0, count: 25))
            }
        }
    }

    /// Lane `index` (0 ..< 25).
    @inlinable
    public subscript(index: Int) -> UInt64 {
        mutating get { withLanes { $0[index] } }
        set { withLanes { $0[index] = newValue } }
    }

    /// Applies the 24-round permutation in place.
    @inlinable
    public mutating func permute() {
        withLanes { KeccakState.permute($0) }
    }

    /// Applies the 24-round permutation to 25 lanes in place.
    ///
    /// Each round keeps the whole state in locals so the optimizer can hold it in registers,
    /// and fuses rho and pi into one step (the `b` words) instead of moving lanes twice.
    @inlinable @_optimize(speed)
    public static func permute(_ lanes: UnsafeMutableBufferPointer<UInt64>) {
        precondition(lanes.count >= 25)
        roundConstants.withUnsafeBufferPointer { roundConstants in
            var a0 = lanes[0]
            var a1 = lanes[1]
            var a2 = lanes[2]
            var a3 = lanes[3]
            var a4 = lanes[4]
            var a5 = lanes[5]
            var a6 = lanes[6]
            var a7 = lanes[7]
            var a8 = lanes[8]
            var a9 = lanes[9]
            var a10 = lanes[10]
            var a11 = lanes[11]
            var a12 = lanes[12]
            var a13 = lanes[13]
            var a14 = lanes[14]
            var a15 = lanes[15]
            var a16 = lanes[16]
            var a17 = lanes[17]
            var a18 = lanes[18]
            var a19 = lanes[19]
            var a20 = lanes[20]
            var a21 = lanes[21]
            var a22 = lanes[22]
            var a23 = lanes[23]
            var a24 = lanes[24]
            for round in 0..<24 {
                let c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20
                let c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21
                let c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22
                let c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23
                let c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24
                let d0 = c4 ^ (c1 &<< 1 | c1 &>> 63)
                let d1 = c0 ^ (c2 &<< 1 | c2 &>> 63)
                let d2 = c1 ^ (c3 &<< 1 | c3 &>> 63)
                let d3 = c2 ^ (c4 &<< 1 | c4 &>> 63)
                let d4 = c3 ^ (c0 &<< 1 | c0 &>> 63)
                let b0 = a0 ^ d0
                let t1 = a6 ^ d1
                let b1 = (t1 &<< 44 | t1 &>> 20)
                let t2 = a12 ^ d2
                let b2 = (t2 &<< 43 | t2 &>> 21)
                let t3 = a18 ^ d3
                let b3 = (t3 &<< 21 | t3 &>> 43)
                let t4 = a24 ^ d4
                let b4 = (t4 &<< 14 | t4 &>> 50)
                let t5 = a3 ^ d3
                let b5 = (t5 &<< 28 | t5 &>> 36)
                let t6 = a9 ^ d4
                let b6 = (t6 &<< 20 | t6 &>> 44)
                let t7 = a10 ^ d0
                let b7 = (t7 &<< 3 | t7 &>> 61)
                let t8 = a16 ^ d1
                let b8 = (t8 &<< 45 | t8 &>> 19)
                let t9 = a22 ^ d2
                let b9 = (t9 &<< 61 | t9 &>> 3)
                let t10 = a1 ^ d1
                let b10 = (t10 &<< 1 | t10 &>> 63)
                let t11 = a7 ^ d2
                let b11 = (t11 &<< 6 | t11 &>> 58)
                let t12 = a13 ^ d3
                let b12 = (t12 &<< 25 | t12 &>> 39)
                let t13 = a19 ^ d4
                let b13 = (t13 &<< 8 | t13 &>> 56)
                let t14 = a20 ^ d0
                let b14 = (t14 &<< 18 | t14 &>> 46)
                let t15 = a4 ^ d4
                let b15 = (t15 &<< 27 | t15 &>> 37)
                let t16 = a5 ^ d0
                let b16 = (t16 &<< 36 | t16 &>> 28)
                let t17 = a11 ^ d1
                let b17 = (t17 &<< 10 | t17 &>> 54)
                let t18 = a17 ^ d2
                let b18 = (t18 &<< 15 | t18 &>> 49)
                let t19 = a23 ^ d3
                let b19 = (t19 &<< 56 | t19 &>> 8)
                let t20 = a2 ^ d2
                let b20 = (t20 &<< 62 | t20 &>> 2)
                let t21 = a8 ^ d3
                let b21 = (t21 &<< 55 | t21 &>> 9)
                let t22 = a14 ^ d4
                let b22 = (t22 &<< 39 | t22 &>> 25)
                let t23 = a15 ^ d0
                let b23 = (t23 &<< 41 | t23 &>> 23)
                let t24 = a21 ^ d1
                let b24 = (t24 &<< 2 | t24 &>> 62)
                a0 = b0 ^ (~b1 & b2)
                a1 = b1 ^ (~b2 & b3)
                a2 = b2 ^ (~b3 & b4)
                a3 = b3 ^ (~b4 & b0)
                a4 = b4 ^ (~b0 & b1)
                a5 = b5 ^ (~b6 & b7)
                a6 = b6 ^ (~b7 & b8)
                a7 = b7 ^ (~b8 & b9)
                a8 = b8 ^ (~b9 & b5)
                a9 = b9 ^ (~b5 & b6)
                a10 = b10 ^ (~b11 & b12)
                a11 = b11 ^ (~b12 & b13)
                a12 = b12 ^ (~b13 & b14)
                a13 = b13 ^ (~b14 & b10)
                a14 = b14 ^ (~b10 & b11)
                a15 = b15 ^ (~b16 & b17)
                a16 = b16 ^ (~b17 & b18)
                a17 = b17 ^ (~b18 & b19)
                a18 = b18 ^ (~b19 & b15)
                a19 = b19 ^ (~b15 & b16)
                a20 = b20 ^ (~b21 & b22)
                a21 = b21 ^ (~b22 & b23)
                a22 = b22 ^ (~b23 & b24)
                a23 = b23 ^ (~b24 & b20)
                a24 = b24 ^ (~b20 & b21)
                a0 ^= roundConstants[round]
            }
            lanes[0] = a0
            lanes[1] = a1
            lanes[2] = a2
            lanes[3] = a3
            lanes[4] = a4
            lanes[5] = a5
            lanes[6] = a6
            lanes[7] = a7
            lanes[8] = a8
            lanes[9] = a9
            lanes[10] = a10
            lanes[11] = a11
            lanes[12] = a12
            lanes[13] = a13
            lanes[14] = a14
            lanes[15] = a15
            lanes[16] = a16
            lanes[17] = a17
            lanes[18] = a18
            lanes[19] = a19
            lanes[20] = a20
            lanes[21] = a21
            lanes[22] = a22
            lanes[23] = a23
            lanes[24] = a24
        }
    }

    /// The iota round constants RC[0..23] (FIPS 202, section 3.2.5).
    @usableFromInline
    static let roundConstants: [UInt64] = [
        0x0000_0000_0000_0001, 0x0000_0000_0000_8082, 0x8000_0000_0000_808A, 0x8000_0000_8000_8000,
        0x0000_0000_0000_808B, 0x0000_0000_8000_0001, 0x8000_0000_8000_8081, 0x8000_0000_0000_8009,
        0x0000_0000_0000_008A, 0x0000_0000_0000_0088, 0x0000_0000_8000_8009, 0x0000_0000_8000_000A,
        0x0000_0000_8000_808B, 0x8000_0000_0000_008B, 0x8000_0000_0000_8089, 0x8000_0000_0000_8003,
        0x8000_0000_0000_8002, 0x8000_0000_0000_0080, 0x0000_0000_0000_800A, 0x8000_0000_8000_000A,
        0x8000_0000_8000_8081, 0x8000_0000_0000_8080, 0x0000_0000_8000_0001, 0x8000_0000_8000_8008,
    ]
}
