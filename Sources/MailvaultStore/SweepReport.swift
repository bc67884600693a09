/// What a retention sweep did.
public struct SweepReport: Hashable, Sendable {
    /// Envelopes removed because they outlived their retention age.
    public var expired: Int = 0
    /// Envelopes removed, oldest first, to bring the store under its maximum size.
    public var evicted: Int = 0
    /// Live envelopes moved out of mostly-dead blocks so the blocks could be freed.
    public var relocated: Int = 0
    /// Blocks freed.
    public var blocksFreed: Int = 0
    /// Write transactions used (each small, so readers and writers never wait long).
    public var transactions: Int = 0

    /// A report of nothing done yet.
    public init() {}
}
