import Foundation
import MailvaultAccountability
import MailvaultCore
import MailvaultStore
import Testing

/// The receipt's hand-built document is the fast path of the plain Codable encoding: both must
/// read back as the same receipt and the same JSON object.
@Suite("QueryReceipt.document")
struct QueryReceiptDocumentTests {
    static let key = try! ProviderKey(secret: Array(repeating: 7, count: 32))

    static func receipts() -> [QueryReceipt] {
        let hash = Hash256(bytes: [UInt8](repeating: 0xab, count: 32))!
        let keys = (0..<3).map { StoreCursor(sent: 1_700_000_000 + UInt32($0), hash: hash) }
        let queries = [
            StoreQuery(from: 0, to: .max, topics: [Topic(1, 2, 3, 4), Topic(0xde, 0xad, 0xbe, 0xef)], limit: 50,
                       cursor: keys[0]),
            StoreQuery(from: 5, to: 6, bloom: Topic(0, 0, 0xff, 6).bloom, limit: 1),
            StoreQuery(),
        ]
        let coverages = [
            Coverage(from: 0, maximumAge: 30 * 86_400, minimumPoW: 0.000002, newestIngest: nil, gaps: []),
            Coverage(from: 9, maximumAge: 1, minimumPoW: 0.2, newestIngest: 77, gaps: [[1, 2], [5, 9]],
                     maximumEnvelopeSize: 1 << 20),
        ]
        var out: [QueryReceipt] = []
        for query in queries {
            for coverage in coverages {
                for page in [[], keys] {
                    out.append(QueryReceipt(endpoint: "hashes", provider: key.address, descriptor: hash, serverTime: 42,
                                            query: query, keys: page, next: page.last, coverage: coverage))
                }
            }
        }
        return out
    }

    @Test(arguments: receipts())
    func agreesWithTheCodableEncoding(receipt: QueryReceipt) throws {
        let fast = receipt.document
        #expect(try JSONDecoder().decode(QueryReceipt.self, from: Data(fast)) == receipt)
        let plain = SignedDocument.encode(receipt)
        let fastObject = try JSONSerialization.jsonObject(with: Data(fast)) as? NSDictionary
        let plainObject = try JSONSerialization.jsonObject(with: Data(plain)) as? NSDictionary
        #expect(fastObject == plainObject)
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
