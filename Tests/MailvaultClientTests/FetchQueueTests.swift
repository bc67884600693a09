@testable import MailvaultClient
import MailvaultCore
import Testing

/// The fetch's work queue: batches go only to providers that listed them, come back without a
/// provider that failed them or lacked keys, and are hedged to an idle provider when one stalls.
@Suite("FetchQueue")
struct FetchQueueTests {
    static func keys(_ count: Int) -> [EnvelopeKey] {
        (0..<count).map { EnvelopeKey(sent: 100, hash: Hash256(w0: UInt64($0 + 1), w1: 0, w2: 0, w3: 0)) }.sorted()
    }

    func take(_ queue: FetchQueue, _ provider: Int) async -> FetchQueue.Batch? {
        if case .batch(let batch) = await queue.take(for: provider) { return batch }
        return nil
    }

    @Test func aBatchGoesOnlyToProvidersThatListedIt() async {
        let queue = FetchQueue()
        await queue.add(FetchQueueTests.keys(5), candidates: [1, 2], size: 1000)
        #expect(await take(queue, 0) == nil)
        let batch = await take(queue, 2)
        #expect(batch?.keys.count == 5)
        // Out with provider 2: the others wait (it may come back), then nothing is left.
        guard case .wait = await queue.take(for: 1) else { Issue.record("expected wait"); return }
        await queue.served(batch!.id, by: 2, hashes: Set(batch!.keys.map(\.hash)), next: nil, elapsed: .milliseconds(5))
        guard case .done = await queue.take(for: 1) else { Issue.record("expected done"); return }
        #expect(await queue.unserved.isEmpty)
    }

    /// Keys every lister answered without are disowned (a listing of nothing); keys a failed
    /// provider could not be asked for are unserved (they may exist).
    @Test func disownedAndUnservedKeysAreTold() async {
        let queue = FetchQueue()
        let keys = FetchQueueTests.keys(4)
        await queue.add(Array(keys[0..<2]), candidates: [0, 1], size: 10)
        await queue.add(Array(keys[2..<4]), candidates: [1], size: 10)
        let both = await take(queue, 0)!
        await queue.served(both.id, by: 0, hashes: [], next: nil, elapsed: .milliseconds(1))
        // Provider 1's batches in queue order: its own, then the one 0 answered without.
        let onlyOne = await take(queue, 1)!
        #expect(onlyOne.keys == Array(keys[2..<4]))
        await queue.failed(onlyOne.id, by: 1)
        let again = await take(queue, 1)!
        #expect(again.keys == Array(keys[0..<2]))
        await queue.served(again.id, by: 1, hashes: [], next: nil, elapsed: .milliseconds(1))
        #expect(await queue.disowned == Array(keys[0..<2]))
        #expect(await queue.unserved == Array(keys[2..<4]))
    }

    @Test func lackingKeysGoToAnotherListerAndFailuresDropAProvider() async {
        let queue = FetchQueue(maximumFailures: 2)
        let keys = FetchQueueTests.keys(6)
        await queue.add(keys, candidates: [0, 1], size: 6)
        let first = await take(queue, 0)!
        // Provider 0 served the first two, stopped at its budget after four: 2...3 were lacking,
        // 4...5 were not looked at.
        await queue.served(first.id, by: 0, hashes: Set(keys[0..<2].map(\.hash)), next: 4, elapsed: .milliseconds(5))
        let lacking = await take(queue, 0)!
        #expect(lacking.keys == Array(keys[4..<6]))
        let retry = await take(queue, 1)!
        #expect(retry.keys == Array(keys[2..<4]) && retry.candidates == [1])
        // Provider 1 fails what only it could still serve: unserved. Provider 0 fails the rest,
        // which goes to 1; 1 fails again and, at two failures in a row, is dropped.
        await queue.failed(retry.id, by: 1)
        #expect(await queue.unserved == Array(keys[2..<4]))
        await queue.failed(lacking.id, by: 0)
        let again = await take(queue, 1)!
        await queue.failed(again.id, by: 1)
        #expect(await queue.down == [1])
        #expect(await queue.unserved == Array(keys[2..<6]))
        guard case .done = await queue.take(for: 1) else { Issue.record("expected done"); return }
        guard case .done = await queue.take(for: 0) else { Issue.record("expected done"); return }
    }

    @Test func aStalledBatchIsHedgedAndTheFirstAnswerWins() async throws {
        let queue = FetchQueue(minimumHedge: .milliseconds(1))
        let keys = FetchQueueTests.keys(8)
        await queue.add(keys, candidates: [0, 1], size: 2)
        // Three batches come back quickly, which sets the usual batch time.
        for _ in 0..<3 {
            let batch = await take(queue, 0)!
            await queue.served(batch.id, by: 0, hashes: Set(batch.keys.map(\.hash)), next: nil, elapsed: .microseconds(10))
        }
        let stalled = await take(queue, 1)!
        try await Task.sleep(for: .milliseconds(20))
        let hedged = await take(queue, 0)
        #expect(hedged?.id == stalled.id)
        await queue.served(stalled.id, by: 0, hashes: Set(stalled.keys.map(\.hash)), next: nil, elapsed: .milliseconds(20))
        // The stalled provider's late failure changes nothing.
        await queue.failed(stalled.id, by: 1)
        #expect(await queue.unserved.isEmpty)
        guard case .done = await queue.take(for: 0) else { Issue.record("expected done"); return }
    }
}
