import MailvaultAccountability
import MailvaultAudit
import MailvaultCore
import Testing

@Suite("A hashes page is accepted only with the receipt that commits to it")
struct HashesPageTests {
    static let key = try! ProviderKey(secret: Array(repeating: 7, count: 32))
    static let query = HistoryQuery(from: 100, to: 200, topics: [Topic(1, 2, 3, 4)], limit: 3)
    static let entries = (0..<3).map { index in
        HistoryEntry(key: EnvelopeKey(sent: 110 + UInt32(index), hash: Hash256(w0: UInt64(index), w1: 0, w2: 0, w3: 0)),
                     topic: Topic(1, 2, 3, 4))
    }

    static func receipt(endpoint: String = "hashes", query: HistoryQuery = query, keys: [EnvelopeKey] = entries.map(\.key),
                        next: EnvelopeKey? = entries.last?.key, signer: ProviderKey = key) -> SignedDocument {
        let coverage = Coverage(from: 0, maximumAge: 86_400, minimumPoW: 0, newestIngest: nil, gaps: [])
        let body = QueryReceipt(endpoint: endpoint, provider: signer.address, descriptor: .zero, serverTime: 300, query: query,
                                keys: keys, next: next, coverage: coverage)
        return SignedDocument(kind: "receipt", document: SignedDocument.encode(body), key: signer)
    }

    @Test func theMatchingReceiptIsAccepted() throws {
        let page = try HashesPage(query: Self.query, entries: Self.entries, next: Self.entries.last?.key, receipt: Self.receipt())
        #expect(page.keys == Self.entries.map(\.key))
        #expect(page.statement.count == 3)
    }

    static let refusals: [(String, @Sendable () throws -> HashesPage)] = [
        ("another endpoint", { try HashesPage(query: query, entries: entries, next: entries.last?.key,
                                              receipt: receipt(endpoint: "envelopes")) }),
        ("keys out of order", { try HashesPage(query: query, entries: entries.reversed(), next: entries.last?.key,
                                               receipt: receipt(keys: entries.reversed().map(\.key))) }),
        ("an entry left out", { try HashesPage(query: query, entries: Array(entries.prefix(2)), next: entries.last?.key,
                                               receipt: receipt()) }),
        ("another next cursor", { try HashesPage(query: query, entries: entries, next: nil, receipt: receipt()) }),
        ("another query", { try HashesPage(query: HistoryQuery(from: 100, to: 201, topics: [Topic(1, 2, 3, 4)], limit: 3),
                                           entries: entries, next: entries.last?.key, receipt: receipt()) }),
        ("not a receipt", { try HashesPage(query: query, entries: entries, next: entries.last?.key,
                                           receipt: SignedDocument(kind: "checkpoint", document: receipt().document, key: key)) }),
    ]

    @Test("a page that does not match its receipt is refused", arguments: 0..<6)
    func refused(index: Int) {
        let (_, make) = Self.refusals[index]
        #expect(throws: AccountabilityError.self) { try make() }
    }

    @Test func aReceiptNamingAnotherProviderThanItsSignerIsRefused() {
        let other = ProviderKey.generate()
        let coverage = Coverage(from: 0, maximumAge: 86_400, minimumPoW: 0, newestIngest: nil, gaps: [])
        let body = QueryReceipt(endpoint: "hashes", provider: other.address, descriptor: .zero, serverTime: 300,
                                query: Self.query, keys: Self.entries.map(\.key), next: Self.entries.last?.key, coverage: coverage)
        let forged = SignedDocument(kind: "receipt", document: SignedDocument.encode(body), key: Self.key)
        #expect(throws: AccountabilityError.self) {
            try HashesPage(query: Self.query, entries: Self.entries, next: Self.entries.last?.key, receipt: forged)
        }
    }

    @Test func aPageAnswersForTheKeysBetweenItsCursors() throws {
        var query = Self.query
        query.cursor = EnvelopeKey(sent: 105, hash: .zero)
        let page = try HashesPage(query: query, entries: Self.entries, next: Self.entries.last?.key,
                                  receipt: Self.receipt(query: query))
        #expect(page.covers(EnvelopeKey(sent: 106, hash: .zero)))
        #expect(page.covers(Self.entries[1].key))
        #expect(!page.covers(EnvelopeKey(sent: 105, hash: .zero)))
        #expect(!page.covers(EnvelopeKey(sent: 150, hash: .zero)))
        #expect(!page.covers(EnvelopeKey(sent: 99, hash: .zero)))
        let last = try HashesPage(query: query, entries: Self.entries, next: nil, receipt: Self.receipt(query: query, next: nil))
        #expect(last.covers(EnvelopeKey(sent: 200, hash: .zero)) && !last.covers(EnvelopeKey(sent: 201, hash: .zero)))
    }
}
