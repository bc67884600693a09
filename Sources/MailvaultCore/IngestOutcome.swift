/// What became of one posted envelope, reported in input order.
public struct IngestOutcome: Equatable, Sendable {
    /// How the envelope was handled.
    public enum Status: String, Sendable {
        /// Newly stored, and durable before the answer was sent.
        case stored
        /// Already stored (or repeated in the same batch); kept once.
        case duplicate
        /// Refused by the ingest rules; `reason` says which.
        case rejected
    }

    /// The envelope's hash.
    public var hash: Hash256
    /// How it was handled.
    public var status: Status
    /// Why it was rejected (`nil` unless `status` is `.rejected`).
    public var reason: IngestRejection?

    /// An outcome; `reason` belongs to rejections only.
    public init(hash: Hash256, status: Status, reason: IngestRejection? = nil) {
        self.hash = hash
        self.status = status
        self.reason = reason
    }
}
