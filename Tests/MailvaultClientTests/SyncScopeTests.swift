import MailvaultClient
import MailvaultCore
import Testing

@Suite("SyncScope")
struct SyncScopeTests {
    @Test func theTopicSetNameIsOrderFree() {
        let a = Topic(1, 2, 3, 4), b = Topic(0xff, 0, 0, 1)
        #expect(SyncScope(from: 0, to: 1, topics: [a, b]).topicSet == SyncScope(from: 5, to: 9, topics: [b, a]).topicSet)
        #expect(SyncScope(from: 0, to: 1, topics: []).topicSet == "*")
    }

    @Test func containsChecksRangeAndTopic() {
        let a = Topic(1, 2, 3, 4)
        let scope = SyncScope(from: 10, to: 20, topics: [a])
        #expect(scope.contains(sent: 10, topic: a) && scope.contains(sent: 20, topic: a))
        #expect(!scope.contains(sent: 9, topic: a) && !scope.contains(sent: 21, topic: a))
        #expect(!scope.contains(sent: 15, topic: Topic(0, 0, 0, 0)))
        #expect(SyncScope(from: 10, to: 20, topics: []).contains(sent: 15, topic: Topic(0, 0, 0, 0)))
    }

    @Test func badSettingsAreRefused() {
        var configuration = HistorySync.Configuration(since: 10, to: 5)
        #expect(throws: ClientError.self) { try configuration.validate() }
        configuration = HistorySync.Configuration(since: 0)
        configuration.k = 0
        #expect(throws: ClientError.self) { try configuration.validate() }
        configuration.k = 3
        configuration.batchSize = 1001
        #expect(throws: ClientError.self) { try configuration.validate() }
        configuration.batchSize = 1000
        #expect(throws: Never.self) { try configuration.validate() }
    }
}
