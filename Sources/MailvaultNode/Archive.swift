import MailvaultCore
import MailvaultStore

/// What the node needs of an archive: the `EnvelopeStore`'s surface, as a protocol so that a
/// test can wrap a real store (one that withholds a topic, say) and run the whole node over it.
///
/// Every method has the store's contract: `ingest` returns one result per envelope, in order,
/// once the batch is durable; reads see one consistent snapshot each.
public protocol Archive: Sendable {
    /// Stores the envelopes whose work (`Envelope.checkWork`) is given, in order.
    func ingest(_ envelopes: [Envelope], work: [PoWCheck]?) async throws(StoreError) -> [IngestResult]
    /// One page of `query` with its envelopes.
    func query(_ query: HistoryQuery) throws(StoreError) -> HistoryPage
    /// One page of `query` as keys and topics only.
    func hashes(_ query: HistoryQuery) throws(StoreError) -> HistoryPage
    /// The envelope with `hash`, or `nil`.
    func envelope(hash: Hash256) throws(StoreError) -> Envelope?
    /// For each hash, whether the archive holds it.
    func presence(of hashes: [Hash256]) throws(StoreError) -> [Bool]
    /// Counts and sizes.
    func stats() throws(StoreError) -> StoreStats
    /// Removes what the retention policy no longer keeps, `batch` envelopes per transaction.
    func sweep(now: UInt32, batch: Int) async throws(StoreError) -> SweepReport
    /// Count and hash-sum of the stored keys in [lower, upper) (`nil`: past the last key).
    func keySummary(from lower: EnvelopeKey, to upper: EnvelopeKey?) throws(StoreError) -> KeySetSummary
    /// The stored keys in [lower, upper), ascending, at most `limit`.
    func keys(from lower: EnvelopeKey, to upper: EnvelopeKey?, limit: Int) throws(StoreError) -> [EnvelopeKey]
    /// Up to `parts - 1` keys strictly inside (lower, upper) splitting it into parts of about
    /// equal key counts, each the first key of a part.
    func splitKeys(from lower: EnvelopeKey, to upper: EnvelopeKey?, parts: Int) throws(StoreError) -> [EnvelopeKey]
}

extension EnvelopeStore: Archive {}
