import Foundation

/// Blocking work (reading a child's pipe, waiting for it) on a thread outside Swift's
/// cooperative pool: the pool has as many threads as cores, and the in-process servers and
/// sealers of the other suites need them meanwhile.
public enum OffPool {
    /// Runs `work` on a thread of its own and returns what it returns.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }
}
