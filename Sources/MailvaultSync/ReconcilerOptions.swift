/// How a `Reconciler` shapes its messages.
public struct ReconcilerOptions: Hashable, Sendable {
    /// The most bytes a message this side writes may have, or 0 for no limit beyond
    /// `limits.maxMessageBytes`. The spec's minimum is 4096. As in the reference
    /// implementations, the writer stops adding ranges 200 bytes short of it and ends the message
    /// with one fingerprint of everything left, so a frame-limited exchange takes more rounds.
    public var frameSizeLimit: Int
    /// How many parts a range whose fingerprints differ is split into; 16 in the references.
    public var branching: Int
    /// A range holding fewer items than this is sent as an IdList, not split; the references
    /// use twice the branching factor, 32.
    public var idListThreshold: Int
    /// The most ranges one message may split before it is cut short like a full frame, which
    /// bounds the work (summaries) a single query can cause.
    public var maxSplitsPerMessage: Int
    /// The limits on messages read, which also cap the messages written.
    public var limits: SyncLimits

    /// Options with the reference implementations' shape and Mailvault's limits.
    public init(frameSizeLimit: Int = 0, branching: Int = 16, idListThreshold: Int = 32,
                maxSplitsPerMessage: Int = 4096, limits: SyncLimits = .default) {
        self.frameSizeLimit = frameSizeLimit
        self.branching = branching
        self.idListThreshold = idListThreshold
        self.maxSplitsPerMessage = maxSplitsPerMessage
        self.limits = limits
    }

    /// Throws unless the options can work together.
    public func validate() throws(SyncError) {
        guard frameSizeLimit == 0 || frameSizeLimit >= 4096 else { throw .invalidFrameSizeLimit(frameSizeLimit) }
        guard branching >= 2 else { throw .invalidOptions("branching factor \(branching) is below 2") }
        guard idListThreshold >= 1 else { throw .invalidOptions("id-list threshold \(idListThreshold) is below 1") }
        guard maxSplitsPerMessage >= 1 else { throw .invalidOptions("maxSplitsPerMessage is below 1") }
        guard limits.maxMessageBytes >= 4096 else {
            throw .invalidOptions("maxMessageBytes \(limits.maxMessageBytes) is below 4096")
        }
        guard limits.maxRanges >= branching + 2 else {
            throw .invalidOptions("maxRanges \(limits.maxRanges) cannot hold one split")
        }
        guard limits.maxIdsPerList >= idListThreshold else {
            throw .invalidOptions("maxIdsPerList \(limits.maxIdsPerList) is below the id-list threshold")
        }
    }
}
