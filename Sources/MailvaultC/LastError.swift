#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The thread-local slot behind `mv_last_error_message`: one malloc'd C string per thread,
/// replaced on each failure and freed when the thread exits (the key's destructor).
enum LastError {
    /// The pthread key of the slot, created once.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        // Creation fails only when the process ran out of keys; the slot then stays empty and
        // mv_last_error_message answers "" rather than failing the calls that set it.
        _ = pthread_key_create(&key) { free($0) }
        return key
    }()

    /// Stores `message` as the calling thread's last error.
    static func set(_ message: String) {
        let previous = pthread_getspecific(key)
        guard let copy = strdup(message) else { return }
        guard pthread_setspecific(key, copy) == 0 else {
            free(copy)
            return
        }
        free(previous)
    }

    /// The calling thread's last error, "" when none; valid until the next `set` on this thread.
    static var message: UnsafePointer<CChar> {
        guard let current = pthread_getspecific(key) else { return StaticStrings.empty }
        return UnsafePointer(current.assumingMemoryBound(to: CChar.self))
    }
}
