import MailvaultCore

/// What became of one envelope of an ingested batch.
public enum IngestResult: Hashable, Sendable {
    /// Newly stored; durable when `ingest` returned.
    case stored(Hash256)
    /// Already in the store (same hash): not an error, nothing written.
    case duplicate(Hash256)

    /// The envelope's hash.
    public var hash: Hash256 {
        switch self {
        case .stored(let hash), .duplicate(let hash): hash
        }
    }

    /// True for `.stored`.
    public var isStored: Bool {
        if case .stored = self { return true }
        return false
    }
}
