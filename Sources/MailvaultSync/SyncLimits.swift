/// What a parsed message may hold. The parser refuses anything beyond these before it allocates
/// for it; the reconciler also keeps its own messages within `maxMessageBytes` and
/// `maxIdsPerList`, so that a peer with the same limits accepts them.
public struct SyncLimits: Hashable, Sendable {
    /// The longest message, version byte included. Default 1 MiB.
    public var maxMessageBytes: Int
    /// The most ranges in one message. Default 65,536.
    public var maxRanges: Int
    /// The most ids in one IdList. Default 100,000.
    public var maxIdsPerList: Int

    /// The defaults: 1 MiB, 65,536 ranges, 100,000 ids per IdList.
    public static let `default` = SyncLimits(maxMessageBytes: 1 << 20, maxRanges: 65_536, maxIdsPerList: 100_000)

    /// No limit beyond the machine's (as the reference implementations behave); for the
    /// conformance harness, not for a node facing strangers.
    public static let unlimited = SyncLimits(maxMessageBytes: Int.max, maxRanges: Int.max, maxIdsPerList: Int.max)

    /// Limits from their three values.
    public init(maxMessageBytes: Int, maxRanges: Int, maxIdsPerList: Int) {
        self.maxMessageBytes = maxMessageBytes
        self.maxRanges = maxRanges
        self.maxIdsPerList = maxIdsPerList
    }
}
