import MailvaultCore

/// One page of a query's answer.
public struct QueryPage: Sendable {
    /// The envelopes, ascending by (sent, hash).
    public var envelopes: [Envelope]
    /// The cursor to pass for the next page; `nil` when the query is complete.
    public var next: StoreCursor?
}
