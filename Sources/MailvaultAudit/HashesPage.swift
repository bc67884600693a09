import MailvaultAccountability
import MailvaultCore

/// One page of a provider's hashes answer with its signed receipt, verified to belong together.
public struct HashesPage: Sendable {
    /// The query that was asked.
    public let query: HistoryQuery
    /// The entries, ascending by key.
    public let entries: [HistoryEntry]
    /// Where the next page starts; `nil` on the last page.
    public let next: EnvelopeKey?
    /// The provider's signed receipt for this page.
    public let receipt: SignedDocument
    /// The receipt's content, once verified.
    public let statement: QueryReceipt

    /// A page, accepted only when `receipt` is a receipt signed by the provider it names that
    /// commits to exactly these entries, in this order, restates `query` as asked and names the
    /// same next cursor.
    public init(query: HistoryQuery, entries: [HistoryEntry], next: EnvelopeKey?, receipt: SignedDocument) throws(AccountabilityError) {
        guard receipt.kind == "receipt" else { throw .malformedDocument("expected a receipt, got a \(receipt.kind)") }
        try receipt.verify()
        let statement = try receipt.decode(QueryReceipt.self)
        guard statement.provider.lowercased() == receipt.signer.description else {
            throw .wrongSigner(claimed: statement.provider, recovered: receipt.signer.description)
        }
        guard statement.endpoint == "hashes" else {
            throw .malformedDocument("the receipt is for the \(statement.endpoint) endpoint, not hashes")
        }
        let keys = entries.map(\.key)
        guard zip(keys, keys.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw .malformedDocument("the page's keys are not in ascending order")
        }
        guard statement.commits(to: keys) else {
            throw .malformedDocument("the receipt does not commit to the page's \(keys.count) keys")
        }
        guard statement.next == next?.description else {
            throw .malformedDocument("the receipt's next cursor \(statement.next ?? "null") is not the page's \(next?.description ?? "null")")
        }
        let asked = statement.query
        guard asked.from == query.from, asked.to == query.to, asked.limit == query.limit,
              asked.topics == query.topics.map(\.description), asked.cursor == query.cursor?.description,
              !query.topics.isEmpty || asked.bloom == query.bloom?.description else {
            throw .malformedDocument("the receipt restates a different query than the one asked")
        }
        self.query = query
        self.entries = entries
        self.next = next
        self.receipt = receipt
        self.statement = statement
    }

    /// The page's keys, in order.
    public var keys: [EnvelopeKey] { entries.map(\.key) }

    /// Whether this page answers for `key`: after its cursor, and up to its next cursor when more
    /// pages follow or to the end of the range on the last page (as `OmissionEvidence` decides).
    public func covers(_ key: EnvelopeKey) -> Bool {
        guard query.from <= key.sent, key.sent <= query.to else { return false }
        if let cursor = query.cursor, key <= cursor { return false }
        if let next, key > next { return false }
        return true
    }
}
