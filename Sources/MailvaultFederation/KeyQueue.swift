import MailvaultCore
import Synchronization

/// Announced keys waiting to be fetched: the stream reader pushes, the fetcher takes everything
/// pending at once, so that a burst of announcements becomes one fetch. Bounded: when full, the
/// push is refused and the caller falls back on reconciliation.
final class KeyQueue: Sendable {
    private struct State {
        var keys: [EnvelopeKey] = []
        var waiter: CheckedContinuation<Void, Never>?
        var closed = false
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Adds `keys`; `false` (nothing added) when they do not fit.
    func push(_ keys: [EnvelopeKey]) -> Bool {
        let (accepted, waiter): (Bool, CheckedContinuation<Void, Never>?) = state.withLock { state in
            guard state.keys.count + keys.count <= capacity else { return (false, nil) }
            state.keys += keys
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        waiter?.resume()
        return accepted
    }

    /// Everything pending, waiting for something if nothing is; empty once closed or cancelled.
    func take() async -> [EnvelopeKey] {
        while true {
            let taken: [EnvelopeKey]? = state.withLock { state in
                guard !state.keys.isEmpty || state.closed else { return nil }
                defer { state.keys = [] }
                return state.keys
            }
            if let taken { return taken }
            if Task.isCancelled { return [] }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let resumeNow = state.withLock { state -> Bool in
                        guard state.keys.isEmpty, !state.closed else { return true }
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                close()
            }
        }
    }

    /// Wakes the taker for good.
    func close() {
        let waiter = state.withLock { state in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}

/// Hashes recently refused by this node's rules, so that reconciliation does not fetch them from
/// every peer at every round. Bounded: the oldest are forgotten first.
final class RefusedHashes: Sendable {
    private struct State {
        var set: Set<Hash256> = []
        var order: [Hash256] = []
        var head = 0
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    func insert(_ hash: Hash256) {
        state.withLock { state in
            guard state.set.insert(hash).inserted else { return }
            if state.order.count < capacity {
                state.order.append(hash)
            } else {
                state.set.remove(state.order[state.head])
                state.order[state.head] = hash
                state.head = (state.head + 1) % capacity
            }
        }
    }

    func contains(_ hash: Hash256) -> Bool {
        state.withLock { $0.set.contains(hash) }
    }
}
