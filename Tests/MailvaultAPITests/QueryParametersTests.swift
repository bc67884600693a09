import MailvaultAPI
import MailvaultCore
import Testing

@Suite("HTTP query parameters")
struct QueryParametersTests {
    let now: UInt32 = 1_700_000_000

    func history(_ raw: String) throws(APIError) -> HistoryQuery {
        try QueryParameters.history(try QueryString(raw), now: now)
    }

    @Test func defaultsFollowStatusGo() throws {
        let query = try history("")
        #expect(query.from == 0)
        #expect(query.to == now + 60)
        #expect(query.limit == 100)
        #expect(query.topics.isEmpty && query.bloom == nil && query.cursor == nil)
    }

    @Test func defaultToSaturatesAtTheEndOfTime() throws {
        let query = try QueryParameters.history(try QueryString(""), now: UInt32.max - 10)
        #expect(query.to == UInt32.max)
    }

    @Test func parsesEveryParameter() throws {
        let cursor = "0x" + "00000005" + String(repeating: "ab", count: 32)
        let query = try history("from=5&to=4294967295&topics=0xdeadbeef%2C01020304&limit=1000&cursor=\(cursor)")
        #expect(query.from == 5 && query.to == UInt32.max && query.limit == 1000)
        #expect(query.topics == [Topic(0xde, 0xad, 0xbe, 0xef), Topic(1, 2, 3, 4)])
        #expect(query.cursor?.sent == 5)
        #expect(query.cursor?.hash == Hash256(bytes: [UInt8](repeating: 0xab, count: 32)))
        let bloom = try history("bloom=" + String(repeating: "ff", count: 64))
        #expect(bloom.bloom == Bloom.full)
    }

    @Test func emptyOptionalValuesMeanAbsent() throws {
        let query = try history("cursor=&topics=&bloom=")
        #expect(query.cursor == nil && query.topics.isEmpty && query.bloom == nil)
    }

    /// Every refusal names its parameter, as the issue asks.
    @Test(arguments: [
        ("limit=0", "limit", "invalidParameter"),
        ("limit=1001", "limit", "invalidParameter"),
        ("limit=-1", "limit", "invalidParameter"),
        ("limit=ten", "limit", "invalidParameter"),
        ("from=5&to=4", "from", "invalidParameter"),
        ("from=4294967296", "from", "invalidParameter"),
        ("to=-1", "to", "invalidParameter"),
        ("to=1.5", "to", "invalidParameter"),
        ("from=", "from", "invalidParameter"),
        ("cursor=0x00", "cursor", "invalidParameter"),
        ("cursor=0xzz", "cursor", "invalidParameter"),
        ("bloom=0x00", "bloom", "invalidParameter"),
        ("topics=0x0102", "topics", "invalidParameter"),
        ("topics=0xdeadbeef,,0x01020304", "topics", "invalidParameter"),
        ("topics=0xdeadbeeg", "topics", "invalidParameter"),
        ("limit=1&limit=2", "limit", "duplicateParameter"),
        ("since=5", "since", "unknownParameter"),
        ("from=%zz", "from", "invalidParameter"),
        ("from=%ff", "from", "invalidParameter"),
    ])
    func refusals(raw: String, parameter: String, code: String) {
        #expect {
            _ = try history(raw)
        } throws: { error in
            guard let error = error as? APIError else { return false }
            return error.status == 400 && error.parameter == parameter && error.code == code
        }
    }

    @Test func atMostAThousandTopics() throws {
        let topics = (0..<1000).map { String(format: "%08x", $0) }
        #expect(try history("topics=" + topics.joined(separator: ",")).topics.count == 1000)
        #expect(throws: APIError.self) { try history("topics=" + (topics + ["00000000"]).joined(separator: ",")) }
    }

    @Test func subscriptionsTakeOnlyTopicsOrBloom() throws {
        let filter = try QueryParameters.subscription(try QueryString("topics=0xdeadbeef"))
        #expect(filter.matches(Topic(0xde, 0xad, 0xbe, 0xef)))
        #expect(!filter.matches(Topic(1, 2, 3, 4)))
        #expect(throws: APIError.self) { try QueryParameters.subscription(try QueryString("limit=5")) }
        let everything = try QueryParameters.subscription(try QueryString(""))
        #expect(everything.matches(Topic(1, 2, 3, 4)) && everything.kind == "all")
    }

    @Test func bloomFilterMatchesLikeTheStore() {
        let topic = Topic(0, 0, 0xff, 6)
        let filter = LiveFilter(bloom: topic.bloom)
        #expect(filter.matches(topic))
        #expect(filter.kind == "bloom")
        // Topics win over the bloom, as in status-go.
        let both = LiveFilter(topics: [Topic(1, 2, 3, 4)], bloom: topic.bloom)
        #expect(!both.matches(topic) && both.matches(Topic(1, 2, 3, 4)))
    }
}
