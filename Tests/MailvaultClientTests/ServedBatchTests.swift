import MailvaultClient
import MailvaultCore
import Testing

/// A provider's envelope batch is refused whole when any envelope in it is not what was listed:
/// another hash, another sent time, outside the query, a PoW below the provider's declared minimum.
@Suite("ServedBatch")
struct ServedBatchTests {
    static let topic = Topic(0xde, 0xad, 0xbe, 0xef)

    static func envelope(_ index: Int, topic: Topic = ServedBatchTests.topic, sent: UInt32 = 1_700_000_000) -> Envelope {
        Envelope(expiry: sent + 100, ttl: 100, topic: topic, data: Array("envelope \(index)".utf8), nonce: UInt64(index))
    }

    static let scope = SyncScope(from: 1_699_999_000, to: 1_700_000_500, topics: [topic])

    static func asked(_ envelopes: [Envelope]) -> [Hash256: EnvelopeKey] {
        Dictionary(uniqueKeysWithValues: envelopes.map { ($0.hash, EnvelopeKey($0)) })
    }

    @Test func anHonestBatchPassesWithItsHashes() throws {
        let envelopes = (0..<5).map { ServedBatchTests.envelope($0) }
        let work = try ServedBatch.verify(envelopes, asked: ServedBatchTests.asked(envelopes), scope: ServedBatchTests.scope,
                                          minimumPoW: 0, url: "http://p")
        #expect(work.map(\.hash) == envelopes.map(\.hash))
        // Fewer than asked is not a lie (the provider may not hold them); the caller asks elsewhere.
        let fewer = try ServedBatch.verify(Array(envelopes.prefix(2)), asked: ServedBatchTests.asked(envelopes),
                                           scope: ServedBatchTests.scope, minimumPoW: 0, url: "http://p")
        #expect(fewer.count == 2)
    }

    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var served: [Envelope]
        var asked: [Hash256: EnvelopeKey]
        var minimumPoW: Double = 0
        var reason: String
    }

    static let cases: [Case] = {
        let good = (0..<3).map { envelope($0) }
        var asked = ServedBatchTests.asked(good)
        let other = envelope(99)
        // The listing said another sent time for the same hash.
        var shifted = asked
        shifted[good[0].hash] = EnvelopeKey(sent: good[0].sentTime + 1, hash: good[0].hash)
        let outside = envelope(7, sent: 1_600_000_000)
        let wrongTopic = envelope(8, topic: Topic(1, 2, 3, 4))
        asked[outside.hash] = EnvelopeKey(outside)
        asked[wrongTopic.hash] = EnvelopeKey(wrongTopic)
        return [
            Case(description: "an envelope that hashes to no asked key (a provider lying about a hash)",
                 served: [good[0], other], asked: ServedBatchTests.asked(good), reason: "was not asked for"),
            Case(description: "the same envelope twice", served: [good[1], good[1]], asked: ServedBatchTests.asked(good),
                 reason: "twice"),
            Case(description: "a sent time other than listed", served: [good[0]], asked: shifted, reason: "not at the listed"),
            Case(description: "outside the range", served: [outside], asked: asked, reason: "outside the query"),
            Case(description: "another topic", served: [wrongTopic], asked: asked, reason: "outside the query"),
            Case(description: "PoW below the provider's declared minimum", served: good, asked: ServedBatchTests.asked(good),
                 minimumPoW: 1_000, reason: "below the provider's declared minimum"),
        ]
    }()

    @Test(arguments: cases)
    func aBadBatchIsRefused(_ item: Case) {
        #expect {
            _ = try ServedBatch.verify(item.served, asked: item.asked, scope: ServedBatchTests.scope,
                                       minimumPoW: item.minimumPoW, url: "http://p")
        } throws: { error in
            guard case .refusedAnswer(_, let reason) = error as? ClientError else { return false }
            return reason.contains(item.reason)
        }
    }
}
