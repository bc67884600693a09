import MailvaultAccountability
import MailvaultCore
import MailvaultStore

/// The history query of a node: one page from the archive and the provider's signed receipt
/// for exactly that page (its keys, its next cursor, the query as understood, the coverage).
public struct History: Sendable {
    let archive: any Archive
    let provider: ProviderState
    let receipts: ReceiptSigner
    let maximumPageBytes: Int

    /// A page with envelopes, within the node's page byte budget.
    public func envelopes(_ query: HistoryQuery, now: UInt32) async throws(StoreError) -> SignedPage {
        var budgeted = query
        budgeted.maximumBytes = maximumPageBytes
        let page = try archive.query(budgeted)
        return await signed(page, endpoint: "envelopes", query: query, now: now)
    }

    /// A page of keys and topics only.
    public func hashes(_ query: HistoryQuery, now: UInt32) async throws(StoreError) -> SignedPage {
        let page = try archive.hashes(query)
        return await signed(page, endpoint: "hashes", query: query, now: now)
    }

    private func signed(_ page: HistoryPage, endpoint: String, query: HistoryQuery, now: UInt32) async -> SignedPage {
        let document = provider.receipt(endpoint: endpoint, query: query, keys: page.keys, next: page.next, now: now)
        return SignedPage(page: page, receipt: await receipts.sign(kind: "receipt", document: document))
    }
}

/// A history page with the provider's signed receipt for it.
public struct SignedPage: Sendable {
    /// The page.
    public var page: HistoryPage
    /// The receipt: a `QueryReceipt` committing to the page's keys.
    public var receipt: SignedDocument
}
