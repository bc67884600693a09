import Foundation
import MailvaultAccountability
import MailvaultCore
import Testing

/// The receipt's hand-built document is the fast path of the plain Codable encoding: both must
/// read back as the same receipt and the same JSON object.
@Suite("QueryReceipt.document")
struct QueryReceiptDocumentTests {
    static let key = try! ProviderKey(secret: Array(repeating: 7, count: 32))

    /// The arguments of a receipt: the hand-built document and the Codable struct take the same.
    struct Case: Sendable, CustomTestStringConvertible {
        let query: HistoryQuery
        let coverage: Coverage
        let keys: [EnvelopeKey]
        var testDescription: String { "\(query.topics.count) topics, \(coverage.gaps.count) gaps, \(keys.count) keys" }
    }

    static func cases() -> [Case] {
        let hash = Hash256(bytes: [UInt8](repeating: 0xab, count: 32))!
        let keys = (0..<3).map { EnvelopeKey(sent: 1_700_000_000 + UInt32($0), hash: hash) }
        let queries = [
            HistoryQuery(from: 0, to: .max, topics: [Topic(1, 2, 3, 4), Topic(0xde, 0xad, 0xbe, 0xef)], limit: 50,
                       cursor: keys[0]),
            HistoryQuery(from: 5, to: 6, bloom: Topic(0, 0, 0xff, 6).bloom, limit: 1),
            HistoryQuery(),
        ]
        let coverages = [
            Coverage(from: 0, maximumAge: 30 * 86_400, minimumPoW: 0.000002, newestIngest: nil, gaps: []),
            Coverage(from: 9, maximumAge: 1, minimumPoW: 0.2, newestIngest: 77, gaps: [[1, 2], [5, 9]],
                     maximumEnvelopeSize: 1 << 20),
        ]
        return queries.flatMap { query in
            coverages.flatMap { coverage in [[], keys].map { Case(query: query, coverage: coverage, keys: $0) } }
        }
    }

    @Test(arguments: cases())
    func agreesWithTheCodableEncoding(_ arguments: Case) throws {
        let descriptor = Keccak256.hash([9])
        let receipt = QueryReceipt(endpoint: "hashes", provider: Self.key.address, descriptor: descriptor, serverTime: 42,
                                   query: arguments.query, keys: arguments.keys, next: arguments.keys.last,
                                   coverage: arguments.coverage)
        let fast = QueryReceipt.document(endpoint: "hashes", provider: Self.key.address, descriptor: descriptor,
                                         serverTime: 42, query: arguments.query, keys: arguments.keys,
                                         next: arguments.keys.last, coverage: arguments.coverage)
        #expect(try JSONDecoder().decode(QueryReceipt.self, from: Data(fast)) == receipt)
        let plain = SignedDocument.encode(receipt)
        let fastObject = try JSONSerialization.jsonObject(with: Data(fast)) as? NSDictionary
        let plainObject = try JSONSerialization.jsonObject(with: Data(plain)) as? NSDictionary
        #expect(fastObject == plainObject)
        #expect(receipt.commits(to: arguments.keys))
        #expect(!receipt.commits(to: Array(arguments.keys.dropLast())) || arguments.keys.isEmpty)
    }
}

@Suite("Bench figures in the descriptor")
struct BenchFiguresTests {
    @Test func mediansOfFiguresAndRatiosByName() throws {
        let report = """
            {"mailvault":"0.1.0","figures":[{"name":"seal.1KiB.1thread.avx512","median":18322854.0,"runs":[1,2]},
            {"name":"broken","median":"x"}],"ratios":[{"name":"seal.1thread.vs.rehash","median":60.25}]}
            """
        let figures = try ProviderDescriptor.benchmark(fromReport: Array(report.utf8))
        #expect(figures == ["seal.1KiB.1thread.avx512": 18_322_854, "seal.1thread.vs.rehash": 60.25])
        #expect(throws: AccountabilityError.self) { try ProviderDescriptor.benchmark(fromReport: Array("[]".utf8)) }
        #expect(throws: AccountabilityError.self) { try ProviderDescriptor.benchmark(fromReport: Array("{}".utf8)) }
    }
}
