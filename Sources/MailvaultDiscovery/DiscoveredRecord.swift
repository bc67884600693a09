import MailvaultAccountability

/// A verified node record found in a tree, and the tree it came from.
public struct DiscoveredRecord: Hashable, Sendable {
    /// The record, its signature verified.
    public let record: NodeRecord
    /// The tree (key and domain) whose signed root led to it.
    public let tree: TreeLink

    /// The address of the record's key: a provider's signed descriptor must carry the same one.
    public var address: ProviderAddress { record.address }

    /// The record's Mailvault endpoints; `nil` when it has no `mailvault` key (a node that is
    /// not a Mailvault provider), thrown when that entry is malformed.
    public func endpoints() throws(NodeRecordError) -> ProviderEndpoints? {
        try ProviderEndpoints(record: record)
    }
}

/// Everything one resolution found.
public struct TreeResolution: Sendable {
    /// The records, the newest per node, ordered by node id.
    public var records: [DiscoveredRecord]
    /// Every tree visited, with its root's sequence number.
    public var trees: [TreeLink: UInt64]
}
