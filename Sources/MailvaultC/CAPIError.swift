import CMailvaultHeader
import MailvaultCore
import MailvaultStore

/// A failed C API call: the status code it returns and the sentence behind it.
///
/// Every typed error of the core and the store maps to exactly one `MV_ERR_*` code here, so
/// C callers can branch on the code and log the sentence.
struct CAPIError: Error, CustomStringConvertible {
    /// The `MV_ERR_*` code the call returns.
    let status: Int32
    /// The sentence `mv_last_error_message` returns.
    let message: String

    var description: String { message }

    /// A required pointer argument was NULL.
    static func null(_ argument: String) -> CAPIError {
        CAPIError(status: MV_ERR_NULL, message: "\(argument) is NULL")
    }

    /// An argument outside what the function accepts.
    static func invalid(_ sentence: String) -> CAPIError {
        CAPIError(status: MV_ERR_INVALID_ARGUMENT, message: sentence)
    }

    /// The store handle was closed.
    static let closed = CAPIError(status: MV_ERR_CLOSED, message: "the store is closed")

    /// Bytes that are not an envelope.
    init(_ error: EnvelopeError) {
        self.init(status: MV_ERR_DECODE, message: "not an envelope (\(error.code)): \(error)")
    }

    /// A store failure, by kind.
    init(_ error: StoreError) {
        let status: Int32
        switch error {
        case .invalidQuery, .invalidArgument:
            status = MV_ERR_INVALID_ARGUMENT
        case .unsupportedSchema: status = MV_ERR_UNSUPPORTED_SCHEMA
        case .corrupt: status = MV_ERR_CORRUPT
        case .diskFull: status = MV_ERR_DISK_FULL
        case .busy: status = MV_ERR_BUSY
        case .closed: status = MV_ERR_CLOSED
        case .io: status = MV_ERR_IO
        case .lmdb, .zstd: status = MV_ERR_STORE
        case .invalidEnvelope, .truncatedStream, .envelopeTooLarge: status = MV_ERR_DECODE
        }
        self.init(status: status, message: error.description)
    }

    /// A query that breaks the query rules.
    init(_ error: QueryError) {
        self.init(status: MV_ERR_INVALID_ARGUMENT, message: error.description)
    }

    /// A sealing failure, by kind.
    init(_ error: SealError) {
        let status: Int32
        switch error {
        case .zeroTTL, .invalidTarget, .targetUnreachable: status = MV_ERR_INVALID_ARGUMENT
        case .targetNotReached: status = MV_ERR_TARGET_NOT_REACHED
        case .cancelled: status = MV_ERR_CANCELLED
        }
        self.init(status: status, message: error.description)
    }

    init(status: Int32, message: String) {
        self.status = status
        self.message = message
    }
}

/// Runs the body of an exported function: `MV_OK` when it returns, otherwise the error's code,
/// with its sentence stored in the calling thread's last-error slot.
@inline(__always)
func runCall(_ body: () throws(CAPIError) -> Void) -> Int32 {
    do {
        try body()
        return MV_OK
    } catch {
        LastError.set(error.message)
        return error.status
    }
}
