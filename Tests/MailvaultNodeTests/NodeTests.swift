import Foundation
import Logging
import MailvaultAccountability
import MailvaultCore
import MailvaultNode
import MailvaultStore
import Testing

@Suite("The node: signed history and coverage")
struct NodeTests {
    func node(_ scratch: ScratchStore, pageBytes: Int = 32 << 20) -> Node {
        var configuration = NodeConfiguration()
        configuration.dataDirectory = scratch.directory
        configuration.minimumPoW = 0
        configuration.maximumPageBytes = pageBytes
        configuration.providerKey = ProviderKey.generate()
        var logger = Logger(label: "node-test")
        logger.logLevel = .warning
        return Node(configuration: configuration, archive: scratch.store, limits: ProviderStateTests.limits, logger: logger,
                    clock: { IngestPipelineTests.now })
    }

    @Test func everyPageIsSignedOverExactlyItsKeys() async throws {
        let scratch = try ScratchStore()
        defer { scratch.close() }
        let node = node(scratch)
        let envelopes = (0..<9).map { IngestPipelineTests.envelope($0) }
        _ = try await node.ingest.ingest(envelopes, now: node.clock())
        var query = HistoryQuery(limit: 4)
        var seen: [EnvelopeKey] = []
        for endpoint in ["envelopes", "hashes"] {
            query.cursor = nil
            seen = []
            while true {
                let signed = endpoint == "envelopes" ? try await node.history.envelopes(query, now: node.clock())
                                                     : try await node.history.hashes(query, now: node.clock())
                try signed.receipt.verify()
                let receipt = try signed.receipt.decode(QueryReceipt.self)
                #expect(receipt.endpoint == endpoint && receipt.commits(to: signed.page.keys))
                #expect(receipt.next == signed.page.next?.description)
                #expect(signed.receipt.signer == node.provider.key.address)
                #expect(signed.page.entries.allSatisfy { ($0.envelope != nil) == (endpoint == "envelopes") })
                seen += signed.page.keys
                guard let next = signed.page.next else { break }
                query.cursor = next
            }
            #expect(seen == envelopes.map(EnvelopeKey.init).sorted())
        }
    }

    @Test func envelopePagesKeepToTheNodesByteBudget() async throws {
        let scratch = try ScratchStore()
        defer { scratch.close() }
        let envelopes = (0..<6).map { IngestPipelineTests.envelope($0) }
        let node = node(scratch, pageBytes: envelopes[0].encoded.count * 2)
        _ = try await node.ingest.ingest(envelopes, now: node.clock())
        let signed = try await node.history.envelopes(HistoryQuery(limit: 100), now: node.clock())
        #expect(signed.page.entries.count == 2 && signed.page.next == signed.page.keys.last)
        #expect(try signed.receipt.decode(QueryReceipt.self).count == 2)
        #expect(try await node.history.hashes(HistoryQuery(limit: 100), now: node.clock()).page.entries.count == 6)
    }

    @Test func storingSomethingMarksTheNewestIngestInTheCoverage() async throws {
        let scratch = try ScratchStore()
        defer { scratch.close() }
        let node = node(scratch)
        #expect(node.provider.coverage.newestIngest == nil)
        _ = try await node.ingest.ingest([IngestPipelineTests.envelope(1)], now: node.clock())
        #expect(node.provider.coverage.newestIngest == IngestPipelineTests.now)
    }
}
