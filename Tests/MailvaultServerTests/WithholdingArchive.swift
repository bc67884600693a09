import MailvaultCore
import MailvaultNode
import MailvaultStore

/// A real store that leaves one topic out of every history answer (the receipts are still
/// signed over what it returns): a provider that withholds messages, for the tests that show
/// audits and evidence catch one. Everything else is the store's own behaviour.
struct WithholdingArchive: Archive {
    let store: EnvelopeStore
    let withheld: Topic

    func ingest(_ envelopes: [Envelope], work: [PoWCheck]?) async throws(StoreError) -> [IngestResult] {
        try await store.ingest(envelopes, work: work)
    }

    func query(_ query: HistoryQuery) throws(StoreError) -> HistoryPage {
        withholding(try store.query(query))
    }

    func hashes(_ query: HistoryQuery) throws(StoreError) -> HistoryPage {
        withholding(try store.hashes(query))
    }

    func envelope(hash: Hash256) throws(StoreError) -> Envelope? {
        try store.envelope(hash: hash)
    }

    func presence(of hashes: [Hash256]) throws(StoreError) -> [Bool] {
        try store.presence(of: hashes)
    }

    func stats() throws(StoreError) -> StoreStats {
        try store.stats()
    }

    func sweep(now: UInt32, batch: Int) async throws(StoreError) -> SweepReport {
        try await store.sweep(now: now, batch: batch)
    }

    func keySummary(from lower: EnvelopeKey, to upper: EnvelopeKey?) throws(StoreError) -> KeySetSummary {
        try store.keySummary(from: lower, to: upper)
    }

    func keys(from lower: EnvelopeKey, to upper: EnvelopeKey?, limit: Int) throws(StoreError) -> [EnvelopeKey] {
        try store.keys(from: lower, to: upper, limit: limit)
    }

    func splitKeys(from lower: EnvelopeKey, to upper: EnvelopeKey?, parts: Int) throws(StoreError) -> [EnvelopeKey] {
        try store.splitKeys(from: lower, to: upper, parts: parts)
    }

    private func withholding(_ page: HistoryPage) -> HistoryPage {
        HistoryPage(entries: page.entries.filter { $0.topic != withheld }, next: page.next)
    }
}
