import Dispatch
import Synchronization

/// Runs async Swift work for a blocking C call: the work runs in a detached task (never on the
/// caller's thread, which belongs to C) and the caller waits on a semaphore until it is done.
///
/// C threads are not part of Swift's cooperative pool, so blocking them cannot starve it.
/// The operation returns its outcome as a value; callers wrap their typed errors in a `Result`.
/// The task lets go of the operation, and so of what it captured (a store), before the caller
/// resumes: a caller that frees the store right after must hold its last reference.
enum BlockingCall {
    /// Runs `operation` to completion; `started` receives the task first (to cancel it).
    static func run<Value: Sendable>(_ operation: @escaping @Sendable () async -> Value,
                                     started: (Task<Void, Never>) -> Void = { _ in }) -> Value? {
        let outcome = Outcome<Value>()
        let pending = Mutex<(@Sendable () async -> Value)?>(operation)
        let task = Task.detached {
            var work = pending.withLock { $0.take() }
            let value = await work?()
            work = nil
            outcome.value.withLock { $0 = value }
            outcome.done.signal()
        }
        started(task)
        outcome.done.wait()
        return outcome.value.withLock { $0 }
    }

    /// The slot the task fills and the semaphore that says it did.
    private final class Outcome<Value: Sendable>: Sendable {
        let value = Mutex<Value?>(nil)
        let done = DispatchSemaphore(value: 0)
    }
}
