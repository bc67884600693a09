import Foundation
import MailvaultAccountability
import MailvaultCore
import Testing

/// A provider's page and receipt, built here, with one envelope left out.
struct EvidenceScenario {
    static let key = try! ProviderKey(secret: Array(repeating: 0x5a, count: 32))
    static let now: UInt32 = 1_700_000_000
    static let topic = Topic(0xde, 0xad, 0xbe, 0xef)
    static let coverage = Coverage(from: now - 3600, maximumAge: 86_400, minimumPoW: 0, newestIngest: now, gaps: [])

    /// Ten envelopes of `topic`, sent every 10 s over the last 100 s, in key order.
    static let envelopes: [Envelope] = (0..<10).map { index -> Envelope in
        let sent = now - 100 + UInt32(index) * 10
        return Envelope(expiry: sent + 300, ttl: 300, topic: topic, data: [UInt8](repeating: UInt8(index), count: 16),
                        nonce: UInt64(index))
    }.sorted { key($0) < key($1) }

    static func key(_ envelope: Envelope) -> EnvelopeKey { EnvelopeKey(sent: envelope.sentTime, hash: envelope.hash) }

    var query = HistoryQuery(from: now - 100, to: now, topics: [topic], limit: 100)
    var keys: [EnvelopeKey] = EvidenceScenario.envelopes.map(EvidenceScenario.key)
    var next: EnvelopeKey?
    var coverage = EvidenceScenario.coverage
    var serverTime = now
    var signer = EvidenceScenario.key

    /// The page without `envelope`, signed; `listed` replaces the key list the evidence carries.
    func evidence(for envelope: Envelope, omitting: Bool = true, listed: [EnvelopeKey]? = nil) -> OmissionEvidence {
        let page = omitting ? keys.filter { $0 != EvidenceScenario.key(envelope) } : keys
        let receipt = QueryReceipt(endpoint: "hashes", provider: signer.address, descriptor: Keccak256.hash([1]),
                                   serverTime: serverTime, query: query, keys: page, next: next, coverage: coverage)
        let signed = SignedDocument(kind: "receipt", document: SignedDocument.encode(receipt), key: signer)
        return OmissionEvidence(receipt: signed, keys: listed ?? page, envelope: envelope)
    }

    /// `evidence` with the receipt's JSON edited and signed again by the provider.
    func evidence(for envelope: Envelope, editing edit: (inout QueryReceipt) -> Void) throws -> OmissionEvidence {
        let base = evidence(for: envelope)
        var receipt = try base.receipt.decode(QueryReceipt.self)
        edit(&receipt)
        let signed = SignedDocument(kind: "receipt", document: SignedDocument.encode(receipt), key: signer)
        return OmissionEvidence(receipt: signed, keys: base.keys, envelope: envelope)
    }
}

@Suite("OmissionEvidence.check")
struct OmissionEvidenceTests {
    let scenario = EvidenceScenario()
    let middle = EvidenceScenario.envelopes[4]

    func expectRefused(_ evidence: OmissionEvidence, _ words: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let verdict = evidence.check()
        #expect(!verdict.proven, "accepted: \(verdict.reason)", sourceLocation: sourceLocation)
        #expect(verdict.reason.contains(words), "reason: \(verdict.reason)", sourceLocation: sourceLocation)
    }

    /// The batch form gives each envelope the verdict `check()` gives it alone, and the files
    /// `json` writes: proven, held, outside the range, another topic, and all with a forged signature.
    @Test func checkingManyAgainstOnePageAgreesWithCheckingEach() throws {
        let scenario = EvidenceScenario()
        let omitted = EvidenceScenario.envelopes[3]
        let base = scenario.evidence(for: omitted)
        let outside = Envelope(expiry: EvidenceScenario.now + 9000, ttl: 300, topic: EvidenceScenario.topic, data: [1], nonce: 1)
        let otherTopic = Envelope(expiry: EvidenceScenario.now + 200, ttl: 300, topic: Topic(1, 1, 1, 1), data: [2], nonce: 2)
        let candidates = [omitted, EvidenceScenario.envelopes[5], outside, otherTopic, EvidenceScenario.envelopes[0]]
        let forged = SignedDocument(kind: "receipt", document: base.receipt.document, signature: base.receipt.signature,
                                    signer: ProviderKey.generate().address, path: [])
        for receipt in [base.receipt, forged] {
            let batch = OmissionEvidence.check(receipt: receipt, keys: base.keys, envelopes: candidates)
            let single = candidates.map { OmissionEvidence(receipt: receipt, keys: base.keys, envelope: $0).check() }
            #expect(batch == single)
            let files = OmissionEvidence.json(receipt: receipt, keys: base.keys, envelopes: candidates)
            #expect(files == candidates.map { OmissionEvidence(receipt: receipt, keys: base.keys, envelope: $0).json })
        }
        #expect(OmissionEvidence.check(receipt: base.receipt, keys: base.keys, envelopes: candidates).map(\.proven)
                    == [true, false, false, false, false])
    }

    @Test func anEnvelopeMissingFromTheLastPageIsProven() {
        for envelope in EvidenceScenario.envelopes {
            let verdict = scenario.evidence(for: envelope).check()
            #expect(verdict.proven, "\(verdict.reason)")
            #expect(verdict.provider == EvidenceScenario.key.address.description)
            #expect(verdict.envelope == envelope.hash.description)
        }
    }

    @Test func anEnvelopeLargerThanTheProviderAcceptsProvesNothing() {
        var scenario = scenario
        scenario.coverage.maximumEnvelopeSize = middle.size - 1
        expectRefused(scenario.evidence(for: middle), "exceeds the provider's maximum")
        scenario.coverage.maximumEnvelopeSize = middle.size
        #expect(scenario.evidence(for: middle).check().proven)
    }

    @Test func aSignedListOutOfOrderProvesNothing() {
        var scenario = scenario
        scenario.keys.swapAt(0, 1)
        expectRefused(scenario.evidence(for: middle), "ascending")
    }

    @Test func anEmptyPageProvesItsOmission() {
        var scenario = scenario
        scenario.keys = []
        #expect(scenario.evidence(for: middle).check().proven)
    }

    @Test func anEnvelopeBeforeTheLastKeyOfAMiddlePageIsProven() {
        var scenario = scenario
        scenario.next = scenario.keys.last
        #expect(scenario.evidence(for: middle).check().proven)
    }

    @Test func aBloomQueryIsHonoured() {
        var scenario = scenario
        scenario.query.topics = []
        scenario.query.bloom = EvidenceScenario.topic.bloom
        #expect(scenario.evidence(for: middle).check().proven)
        scenario.query.bloom = Topic(1, 2, 3, 4).bloom
        expectRefused(scenario.evidence(for: middle), "not one the query asked for")
    }

    @Test func theFileFormRoundTrips() throws {
        let evidence = scenario.evidence(for: middle)
        let parsed = try OmissionEvidence(json: evidence.json)
        #expect(parsed.receipt == evidence.receipt && parsed.keys == evidence.keys && parsed.envelope == evidence.envelope)
        #expect(parsed.check() == evidence.check())
    }

    @Test func aTamperedReceiptIsRefused() throws {
        let evidence = scenario.evidence(for: middle)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(evidence.receipt.json)) as? [String: Any])
        object["document"] = (object["document"] as? String)?.replacingOccurrences(of: "\"count\":9", with: "\"count\":10")
        let tampered = OmissionEvidence(receipt: try SignedDocument(object: object), keys: evidence.keys,
                                        envelope: evidence.envelope)
        expectRefused(tampered, "signed by")
    }

    @Test func aReceiptSignedByAnotherKeyThanItNamesIsRefused() throws {
        let other = try ProviderKey(secret: Array(repeating: 0x6b, count: 32))
        let evidence = scenario.evidence(for: middle)
        let resigned = OmissionEvidence(receipt: SignedDocument(kind: "receipt", document: evidence.receipt.document, key: other),
                                        keys: evidence.keys, envelope: evidence.envelope)
        expectRefused(resigned, "names provider")
    }

    @Test func anotherKindOfDocumentIsRefused() {
        let evidence = scenario.evidence(for: middle)
        let descriptor = SignedDocument(kind: "descriptor", document: evidence.receipt.document, key: EvidenceScenario.key)
        expectRefused(OmissionEvidence(receipt: descriptor, keys: evidence.keys, envelope: middle), "not a receipt")
    }

    @Test func keyListsNotMatchingTheCommitmentAreRefused() {
        let page = scenario.keys.filter { $0 != EvidenceScenario.key(middle) }
        let lists: [[EnvelopeKey]] = [Array(page.dropLast()), Array(page.dropFirst()), page.reversed(),
                                      Array(page[0..<3] + page[4...] + [page[3]]), []]
        for list in lists {
            expectRefused(scenario.evidence(for: middle, listed: list), "does not match the receipt's commitment")
        }
    }

    @Test func anEnvelopeOutsideTheQueryRangeIsRefused() throws {
        let early = try scenario.evidence(for: EvidenceScenario.envelopes[0]) { $0.query.from = EvidenceScenario.now - 50 }
        expectRefused(early, "outside the query's range")
        let late = try scenario.evidence(for: EvidenceScenario.envelopes[9]) { $0.query.to = EvidenceScenario.now - 50 }
        expectRefused(late, "outside the query's range")
    }

    @Test func anInvertedRangeIsRefusedNotATrap() throws {
        let inverted = try scenario.evidence(for: middle) { $0.query.from = EvidenceScenario.now; $0.query.to = 0 }
        expectRefused(inverted, "outside the query's range")
    }

    @Test func aTopicNotAskedForIsRefused() {
        var scenario = scenario
        scenario.query.topics = [Topic(1, 2, 3, 4)]
        expectRefused(scenario.evidence(for: middle), "not one the query asked for")
    }

    @Test func outsideCoverageIsRefused() {
        let sent = middle.sentTime
        let coverages = [
            Coverage(from: sent + 1, maximumAge: 86_400, minimumPoW: 0, newestIngest: nil, gaps: []),
            Coverage(from: 0, maximumAge: EvidenceScenario.now - sent - 1, minimumPoW: 0, newestIngest: nil, gaps: []),
            Coverage(from: 0, maximumAge: 86_400, minimumPoW: 0, newestIngest: nil, gaps: [[sent - 5, sent + 5]]),
            Coverage(from: 0, maximumAge: 86_400, minimumPoW: 0, newestIngest: nil, gaps: [[sent, sent]]),
        ]
        for coverage in coverages {
            var scenario = scenario
            scenario.coverage = coverage
            expectRefused(scenario.evidence(for: middle), "outside the coverage")
        }
    }

    @Test func belowTheDeclaredPoWIsRefused() {
        var scenario = scenario
        scenario.coverage.minimumPoW = middle.pow() * 2
        expectRefused(scenario.evidence(for: middle), "below the provider's minimum")
        scenario.coverage.minimumPoW = middle.pow()
        #expect(scenario.evidence(for: middle).check().proven)
    }

    @Test func anEnvelopeThePageHoldsIsRefused() {
        expectRefused(scenario.evidence(for: middle, omitting: false), "the page holds the envelope")
    }

    @Test func anEnvelopeAtOrBeforeTheCursorIsRefused() {
        var scenario = scenario
        scenario.query.cursor = EvidenceScenario.key(middle)
        scenario.keys = Array(scenario.keys.drop { $0 <= EvidenceScenario.key(middle) })
        expectRefused(scenario.evidence(for: middle), "before the page's cursor")
        expectRefused(scenario.evidence(for: EvidenceScenario.envelopes[2]), "before the page's cursor")
        #expect(scenario.evidence(for: EvidenceScenario.envelopes[7]).check().proven)
    }

    @Test func anEnvelopeAfterTheNextCursorWhenMorePagesFollowIsRefused() {
        var scenario = scenario
        scenario.keys = Array(scenario.keys.prefix(5))
        scenario.next = scenario.keys.last
        expectRefused(scenario.evidence(for: EvidenceScenario.envelopes[7]), "after the page's next cursor")
        // The last page covers everything up to the end of the range.
        scenario.next = nil
        #expect(scenario.evidence(for: EvidenceScenario.envelopes[7]).check().proven)
    }

    @Test func aNextCursorBeyondTheLastKeyVouchesForWhatLiesBetween() {
        // A provider that drops the end of a page but continues after it still vouched for it.
        var scenario = scenario
        scenario.keys = Array(scenario.keys.prefix(5))
        scenario.next = EvidenceScenario.key(EvidenceScenario.envelopes[7])
        #expect(scenario.evidence(for: EvidenceScenario.envelopes[6]).check().proven)
        #expect(scenario.evidence(for: EvidenceScenario.envelopes[7]).check().proven)
        expectRefused(scenario.evidence(for: EvidenceScenario.envelopes[8]), "after the page's next cursor")
    }

    @Test func anEnvelopeSentAfterTheAnswerIsRefused() {
        var scenario = scenario
        scenario.query.to = EvidenceScenario.now + 1000
        scenario.serverTime = middle.sentTime - 1
        expectRefused(scenario.evidence(for: middle), "after the provider answered")
    }

    @Test func aMalformedReceiptBodyIsRefused() {
        let signed = SignedDocument(kind: "receipt", document: Array(#"{"count":1}"#.utf8), key: EvidenceScenario.key)
        expectRefused(OmissionEvidence(receipt: signed, keys: [], envelope: middle), "does not decode")
    }

    @Test(arguments: [
        #"{}"#, #"{"receipt":{},"keys":[],"envelope":"0x"}"#,
        #"{"receipt":{"kind":"receipt","document":"{}","signature":"0x\#(String(repeating: "00", count: 65))","signer":"0x\#(String(repeating: "00", count: 20))"},"keys":["0x00"],"envelope":"0xc0"}"#,
        #"{"receipt":{"kind":"receipt","document":"{}","signature":"0x\#(String(repeating: "00", count: 65))","signer":"0x\#(String(repeating: "00", count: 20))"},"keys":[],"envelope":"0xc0"}"#,
    ])
    func unreadableEvidenceFilesAreNamed(text: String) {
        #expect(throws: AccountabilityError.self) { try OmissionEvidence(json: Array(text.utf8)) }
    }
}
