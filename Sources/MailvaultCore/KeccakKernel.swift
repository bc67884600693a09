import CKeccakKernels

/// A keccak-f[1600] implementation that permutes `lanes` independent states at once.
///
/// States are lane-interleaved: word `i` (`x + 5y`) of state `j` is at `states[i * lanes + j]`,
/// so one vector load brings word `i` of every state. The scalar kernel (one lane) is always
/// available; the SIMD kernels are offered only when the CPU runs them. Sponges and the PoW code
/// take a kernel and do not care which one it is.
public struct KeccakKernel: Hashable, Sendable, CustomStringConvertible {
    /// Which code runs.
    public enum Implementation: String, Sendable, CaseIterable {
        /// The Swift permutation, one state.
        case scalar
        /// One state in AVX-512VL registers (one-instruction rotates and ternary logic, no
        /// spills): the single-stream permutation where the CPU has it.
        case avx512vl
        /// Four states in 256-bit AVX2 registers.
        case avx2
        /// Eight states in 512-bit AVX-512F registers (with native rotates and ternary logic).
        case avx512
    }

    /// Which code runs.
    public let implementation: Implementation

    /// States permuted per call.
    public var lanes: Int {
        switch implementation {
        case .scalar, .avx512vl: 1
        case .avx2: 4
        case .avx512: 8
        }
    }

    /// The always-available one-lane kernel.
    public static let scalar = KeccakKernel(implementation: .scalar)

    /// Every kernel this CPU can run, scalar first.
    public static let available: [KeccakKernel] = Implementation.allCases.compactMap { implementation in
        let kernel = KeccakKernel(implementation: implementation)
        return kernel.isSupported ? kernel : nil
    }

    /// The widest kernel this CPU can run: for many independent hashes.
    public static let best: KeccakKernel = available.max { $0.lanes < $1.lanes } ?? .scalar

    /// The fastest one-lane kernel this CPU can run: for a single stream (`Keccak256`).
    public static let bestSingle: KeccakKernel = KeccakKernel(.avx512vl) ?? .scalar

    /// The kernel for `implementation`, or `nil` when this CPU cannot run it.
    public init?(_ implementation: Implementation) {
        let kernel = KeccakKernel(implementation: implementation)
        guard kernel.isSupported else { return nil }
        self = kernel
    }

    private init(implementation: Implementation) {
        self.implementation = implementation
    }

    private var isSupported: Bool {
        switch implementation {
        case .scalar: true
        case .avx512vl: mv_keccak_kernel_available(1) == 1
        case .avx2, .avx512: mv_keccak_kernel_available(Int32(lanes)) == 1
        }
    }

    /// Permutes `lanes` interleaved states (`25 * lanes` words) in place.
    @inlinable
    public func permute(_ states: UnsafeMutablePointer<UInt64>) {
        switch implementation {
        case .scalar: KeccakState.permute(UnsafeMutableBufferPointer(start: states, count: 25))
        case .avx512vl: mv_keccak_f1600_x1(states)
        case .avx2: mv_keccak_f1600_x4(states)
        case .avx512: mv_keccak_f1600_x8(states)
        }
    }

    /// Absorbs `blocks` whole rate-sized blocks (136 bytes each) from `data` into one state:
    /// XOR each block's little-endian words into the state, then permute. One-lane kernels only.
    @inlinable
    public func absorb(_ state: UnsafeMutablePointer<UInt64>, blocks data: UnsafeRawPointer, count: Int) {
        switch implementation {
        case .avx512vl:
            mv_keccak_absorb_x1(state, data.assumingMemoryBound(to: UInt8.self), count)
        default:
            for block in 0..<count {
                let base = data + block * Keccak256.rate
                for word in 0..<(Keccak256.rate / 8) {
                    state[word] ^= UInt64(littleEndian: base.loadUnaligned(fromByteOffset: word * 8, as: UInt64.self))
                }
                permute(state)
            }
        }
    }

    public var description: String { "\(implementation.rawValue) (\(lanes) lane\(lanes == 1 ? "" : "s"))" }
}
