import Synchronization

/// Bounds the reads served at once, so that a burst of expensive queries queues in clients
/// (503 with `Retry-After`) rather than in the server's memory.
final class QueryGate: Sendable {
    private let capacity: Int
    private let active = Atomic<Int>(0)

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Takes a slot; false when all are busy.
    func enter() -> Bool {
        let previous = active.wrappingAdd(1, ordering: .acquiring).oldValue
        if previous >= capacity {
            active.wrappingSubtract(1, ordering: .releasing)
            return false
        }
        return true
    }

    /// Returns a slot taken by `enter()`.
    func leave() {
        active.wrappingSubtract(1, ordering: .releasing)
    }
}
