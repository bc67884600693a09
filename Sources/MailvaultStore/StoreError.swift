import CLMDB
import MailvaultCore

/// Why a store operation failed. Every case reads as one sentence an operator can act on.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A query that breaks the query rules (`HistoryQuery.validate`).
    case invalidQuery(QueryError)
    /// An argument that breaks the API's contract (the sentence says which).
    case invalidArgument(String)
    /// The database was written by a newer Mailvault whose schema this build cannot read.
    case unsupportedSchema(found: UInt32, supported: UInt32)
    /// Stored bytes that do not decode: the file was damaged outside LMDB's guarantees.
    case corrupt(String)
    /// The disk (or quota) is full. Nothing that was acknowledged before is lost.
    case diskFull
    /// The store's directory is held by another process that forbids this operation.
    case busy(String)
    /// The store was closed.
    case closed
    /// A file-system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// An LMDB call failed with this return code.
    case lmdb(operation: String, code: Int32)
    /// A zstd call failed.
    case zstd(String)
    /// An import stream holds bytes that are not an envelope.
    case invalidEnvelope(offset: Int, EnvelopeError)
    /// An import stream ends inside an envelope.
    case truncatedStream(offset: Int, missing: Int)
    /// An envelope in an import stream is larger than any node accepts.
    case envelopeTooLarge(offset: Int, size: Int)

    public var description: String {
        switch self {
        case .invalidQuery(let error):
            error.description
        case .invalidArgument(let sentence):
            sentence
        case .unsupportedSchema(let found, let supported):
            "the database has schema version \(found); this build reads up to version \(supported)"
        case .corrupt(let detail):
            "the database is corrupt: \(detail)"
        case .diskFull:
            "the disk is full; the batch was not stored and everything stored before is intact"
        case .busy(let detail):
            "the store is in use: \(detail)"
        case .closed:
            "the store is closed"
        case .io(let operation, let path, let errno):
            "\(operation) \(path) failed: \(StoreError.systemMessage(errno))"
        case .lmdb(let operation, let code):
            "LMDB \(operation) failed: \(String(cString: mdb_strerror(code)))"
        case .zstd(let detail):
            "zstd failed: \(detail)"
        case .invalidEnvelope(let offset, let error):
            "invalid envelope at byte \(offset): \(error)"
        case .truncatedStream(let offset, let missing):
            "the stream ends inside the envelope at byte \(offset) (\(missing) bytes missing)"
        case .envelopeTooLarge(let offset, let size):
            "the envelope at byte \(offset) claims \(size) bytes, more than the 10 MiB hard limit"
        }
    }

    /// A store of an older schema opened read-only: only a read-write open migrates it.
    static func needsMigration(directory: String, version: UInt32) -> StoreError {
        .invalidArgument("\(directory) holds schema \(version); open it once read-write to migrate it to \(Schema.version)")
    }

    private static func systemMessage(_ errno: Int32) -> String {
        String(cString: mdb_strerror(errno))
    }
}

extension StoreError {
    /// Validates `query` at the store's boundary, as a store error.
    static func check(_ query: HistoryQuery) throws(StoreError) {
        do throws(QueryError) {
            try query.validate()
        } catch {
            throw .invalidQuery(error)
        }
    }
}
