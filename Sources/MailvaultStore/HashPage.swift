/// One page of a hashes-only query.
public struct HashPage: Sendable {
    /// The entries, ascending by (sent, hash).
    public var entries: [HashEntry]
    /// The cursor to pass for the next page; `nil` when the query is complete.
    public var next: StoreCursor?

    /// A page of entries.
    public init(entries: [HashEntry], next: StoreCursor?) {
        self.entries = entries
        self.next = next
    }
}
