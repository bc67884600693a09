import Foundation
import MailvaultCore
@testable import MailvaultStore
import Testing

@Suite("StoreWriter: jobs return their results once their commit is durable")
struct StoreWriterTests {
    /// A writer of its own on a store whose writer is stopped.
    private func writer(on store: EnvelopeStore) -> StoreWriter {
        store.close()
        let (dbs, codec, capacity) = (store.dbs, store.codec, store.blockCapacity)
        return StoreWriter(environment: store.environment) { (txn) throws(StoreError) in
            try WriteContext(txn: txn, dbs: dbs, codec: codec, retention: RetentionPolicy(), blockCapacity: capacity,
                             knownTopics: KnownTopics())
        }
    }

    /// The bytes job `index` records as a dictionary, so its id can be checked against them.
    private static func bytes(of index: Int) -> [UInt8] {
        Array(repeating: UInt8(truncatingIfNeeded: index), count: 8) + BigEndian.bytes(UInt32(index))
    }

    private func recorded(_ store: EnvelopeStore, id: UInt32) throws -> [UInt8]? {
        try store.read { (snapshot) throws(StoreError) in try snapshot.dictionaries.bytes(of: id) }
    }

    @Test("concurrent jobs, grouped into shared commits, each get the result of their own run, which is on disk")
    func groupedJobsGetTheirOwnResults() async throws {
        let directory = TemporaryDirectory("writer")
        defer { directory.remove() }
        let store = try EnvelopeStore.open(at: directory.path)
        let writer = writer(on: store)
        defer { writer.stop() }
        let ids = try await withThrowingTaskGroup(of: (Int, UInt32).self) { group in
            for index in 0..<64 {
                group.addTask {
                    let id = try await writer.submit(weight: 1) { (context) throws(StoreError) in
                        try context.addDictionary(StoreWriterTests.bytes(of: index))
                    }
                    return (index, id)
                }
            }
            var ids: [Int: UInt32] = [:]
            for try await (index, id) in group { ids[index] = id }
            return ids
        }
        #expect(Set(ids.values) == Set(1...64))
        for (index, id) in ids {
            #expect(try recorded(store, id: id) == StoreWriterTests.bytes(of: index))
        }
        #expect(try writer.submitAndWait(weight: 0) { (context) throws(StoreError) in context.counters.count } == 0)
    }

    @Test("a failing job fails alone: the others of its group are retried and return their results")
    func failingJobFailsAlone() async throws {
        let directory = TemporaryDirectory("writerfail")
        defer { directory.remove() }
        let store = try EnvelopeStore.open(at: directory.path)
        let writer = writer(on: store)
        defer { writer.stop() }
        let outcomes = await withTaskGroup(of: (Int, Result<UInt32, StoreError>).self) { group in
            for index in 0..<32 {
                group.addTask {
                    do throws(StoreError) {
                        let id = try await writer.submit(weight: 1) { (context) throws(StoreError) -> UInt32 in
                            let id = try context.addDictionary(StoreWriterTests.bytes(of: index))
                            if index == 7 { throw StoreError.invalidArgument("job 7 fails") }
                            return id
                        }
                        return (index, .success(id))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var outcomes: [Int: Result<UInt32, StoreError>] = [:]
            for await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes
        }
        #expect(outcomes[7] == .failure(.invalidArgument("job 7 fails")))
        var ids: Set<UInt32> = []
        for (index, outcome) in outcomes where index != 7 {
            guard case .success(let id) = outcome else {
                Issue.record("job \(index) failed: \(outcome)")
                continue
            }
            ids.insert(id)
            #expect(try recorded(store, id: id) == StoreWriterTests.bytes(of: index))
        }
        #expect(ids == Set(1...31))
    }

    @Test("after stop, a job is refused with .closed, waiting or not")
    func stoppedWriterRefuses() async throws {
        let directory = TemporaryDirectory("writerstop")
        defer { directory.remove() }
        let store = try EnvelopeStore.open(at: directory.path)
        let writer = writer(on: store)
        writer.stop()
        await #expect(throws: StoreError.closed) {
            try await writer.submit(weight: 1) { (context) throws(StoreError) in context.counters.count }
        }
        #expect(throws: StoreError.closed) {
            try writer.submitAndWait(weight: 0) { (context) throws(StoreError) in context.counters.count }
        }
    }
}
