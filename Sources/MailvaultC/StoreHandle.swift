import MailvaultStore
import Synchronization

/// What an `mv_store` points to: the store while open, and the last error of calls on it.
///
/// `close` drops the handle's reference; calls already running hold their own, so they finish
/// on a store that is closed only once the last of them returns.
final class StoreHandle: Sendable {
    private let store: Mutex<EnvelopeStore?>
    private let lastError = Mutex("")

    /// A handle for an open store.
    init(_ store: EnvelopeStore) {
        self.store = Mutex(store)
    }

    /// The open store, or `MV_ERR_CLOSED`.
    func open() throws(CAPIError) -> EnvelopeStore {
        guard let store = store.withLock({ $0 }) else { throw .closed }
        return store
    }

    /// Closes the store (finishing queued writes); `MV_ERR_CLOSED` the second time.
    func close() throws(CAPIError) {
        let store = store.withLock { current -> EnvelopeStore? in
            defer { current = nil }
            return current
        }
        guard let store else { throw .closed }
        store.close()
    }

    /// The message of the most recent failing call on this handle.
    var errorMessage: String { lastError.withLock { $0 } }

    /// `runCall` that also keeps the failure's sentence on the handle.
    func run(_ body: (EnvelopeStore) throws(CAPIError) -> Void) -> Int32 {
        runCall { () throws(CAPIError) in
            do throws(CAPIError) {
                try body(try open())
            } catch {
                lastError.withLock { $0 = error.message }
                throw error
            }
        }
    }
}
