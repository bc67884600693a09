import Synchronization

/// What an `mv_cancel` points to: a flag plus the tasks currently sealing under it, so that
/// triggering it from any thread cancels them.
final class CancelHandle: Sendable {
    private struct State {
        var triggered = false
        var nextID: UInt64 = 0
        var tasks: [UInt64: Task<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    /// Whether the handle was triggered.
    var isTriggered: Bool { state.withLock { $0.triggered } }

    /// Cancels every registered task and every later one.
    func trigger() {
        let tasks = state.withLock { state in
            state.triggered = true
            return Array(state.tasks.values)
        }
        for task in tasks { task.cancel() }
    }

    /// Watches `task` until `unregister`; an already triggered handle cancels it at once.
    func register(_ task: Task<Void, Never>) -> UInt64 {
        let (id, triggered) = state.withLock { state in
            state.nextID += 1
            state.tasks[state.nextID] = task
            return (state.nextID, state.triggered)
        }
        if triggered { task.cancel() }
        return id
    }

    /// Stops watching the task registered as `id`.
    func unregister(_ id: UInt64) {
        _ = state.withLock { $0.tasks.removeValue(forKey: id) }
    }
}
