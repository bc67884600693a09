import Foundation
import MailvaultCore
import MailvaultNode
import MailvaultStore
import Synchronization
import Testing

/// Records every report it is told of.
final class RecordingObserver: IngestObserver {
    let reports = Mutex<[IngestReport]>([])

    func observe(_ report: IngestReport, now: UInt32) {
        reports.withLock { $0.append(report) }
    }
}

/// A store in a temporary directory, removed with `close`.
struct ScratchStore {
    let store: EnvelopeStore
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "mailvault-node-\(UUID().uuidString)"
        store = try EnvelopeStore.open(at: directory)
    }

    func close() {
        store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

@Suite("The ingest pipeline")
struct IngestPipelineTests {
    static let now: UInt32 = 1_700_000_000

    static func envelope(_ index: Int, sent: UInt32 = now, ttl: UInt32 = 100) -> Envelope {
        Envelope(expiry: sent + ttl, ttl: ttl, topic: Topic(1, 2, 3, 4), data: [UInt8(truncatingIfNeeded: index), 7], nonce: 0)
    }

    @Test func outcomesComeInInputOrderWithTheRuleThatRefusedEach() async throws {
        let scratch = try ScratchStore()
        defer { scratch.close() }
        let observer = RecordingObserver()
        let pipeline = IngestPipeline(archive: scratch.store, policy: IngestPolicy(minimumPoW: 0), mode: .live,
                                      observers: [observer])
        let fresh = Self.envelope(1)
        let future = Self.envelope(2, sent: Self.now + 100)
        let zeroTTL = Envelope(expiry: Self.now, ttl: 0, topic: Topic(1, 2, 3, 4), data: [3], nonce: 0)
        let outcomes = try await pipeline.ingest([future, fresh, zeroTTL, fresh], now: Self.now)
        #expect(outcomes.map(\.status) == [.rejected, .stored, .rejected, .duplicate])
        #expect(outcomes.map(\.hash) == [future.hash, fresh.hash, zeroTTL.hash, fresh.hash])
        #expect(outcomes[0].reason?.code == "future" && outcomes[2].reason == .zeroTTL)
        #expect(try scratch.store.presence(of: [future.hash, fresh.hash, zeroTTL.hash]) == [false, true, false])
        let reports = observer.reports.withLock { $0 }
        #expect(reports.count == 1)
        #expect(reports[0].received == 4 && reports[0].stored.map(\.hash) == [fresh.hash] && reports[0].failed == 0)
        #expect(reports[0].outcomes == outcomes)
    }

    @Test func archiveModeSkipsTheClockButKeepsPoWAndSize() async throws {
        let scratch = try ScratchStore()
        defer { scratch.close() }
        let pipeline = IngestPipeline(archive: scratch.store, policy: IngestPolicy(minimumPoW: 0, maximumSize: 22), mode: .archive)
        let old = Self.envelope(1, sent: 1_000)
        let large = Envelope(expiry: Self.now + 100, ttl: 100, topic: Topic(1, 2, 3, 4), data: [1, 2, 3], nonce: 0)
        let outcomes = try await pipeline.ingest([old, large], now: Self.now)
        #expect(outcomes.map(\.status) == [.stored, .rejected])
        #expect(outcomes[1].reason?.code == "tooLarge")
        let strict = IngestPipeline(archive: scratch.store, policy: IngestPolicy(minimumPoW: 1_000), mode: .archive)
        #expect(try await strict.ingest([Self.envelope(3)], now: Self.now).first?.reason?.code == "lowPoW")
    }

    @Test func aStoreFailureStoresNothingAndObserversHearOfIt() async throws {
        let scratch = try ScratchStore()
        defer { scratch.close() }
        let observer = RecordingObserver()
        let pipeline = IngestPipeline(archive: scratch.store, policy: IngestPolicy(minimumPoW: 0), mode: .live,
                                      observers: [observer])
        scratch.store.close()
        await #expect(throws: StoreError.closed) {
            try await pipeline.ingest([Self.envelope(1), Self.envelope(2, sent: Self.now + 100)], now: Self.now)
        }
        let report = try #require(observer.reports.withLock { $0.first })
        #expect(report.failed == 1 && report.stored.isEmpty && report.outcomes.map(\.status) == [.rejected])
    }
}
