import MailvaultCore

/// One page of a query's answer.
public struct QueryPage: Sendable {
    /// The envelopes, ascending by (sent, hash).
    public var envelopes: [Envelope]
    /// Each envelope's hash, in the same order (read from the index, so not recomputed).
    public var hashes: [Hash256]
    /// The cursor to pass for the next page; `nil` when the query is complete.
    public var next: StoreCursor?

    /// A page; `hashes` must hold each envelope's hash, in order.
    public init(envelopes: [Envelope], hashes: [Hash256], next: StoreCursor?) {
        self.envelopes = envelopes
        self.hashes = hashes
        self.next = next
    }
}
