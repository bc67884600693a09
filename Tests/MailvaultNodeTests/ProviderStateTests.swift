import Foundation
import Logging
import MailvaultAccountability
import MailvaultCore
import MailvaultNode
import MailvaultStore
import Testing

@Suite("The provider's state: coverage gaps, checkpoints and their files")
struct ProviderStateTests {
    static let now: UInt32 = 1_700_000_000
    static let limits = ProviderDescriptor.Limits(maximumPageSize: 1000, maximumTopics: 1000, maximumBatch: 1000,
                                                  maximumBodyBytes: 8 << 20, ingestRate: 0, ingestBurst: 1, queryRate: 0,
                                                  queryBurst: 1, maximumConcurrentQueries: 64)

    /// A node configuration whose data directory is new and empty (the caller removes it).
    static func configurationInFreshDirectory() throws -> NodeConfiguration {
        let directory = NSTemporaryDirectory() + "mailvault-provider-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = NodeConfiguration()
        configuration.dataDirectory = directory
        return configuration
    }

    static func envelope(sent: UInt32) -> Envelope {
        Envelope(expiry: sent + 100, ttl: 100, topic: Topic(0xde, 0xad, 0xbe, 0xef), data: [1, 2, 3], nonce: 0)
    }

    /// Downtime longer than a checkpoint interval is recorded as a coverage gap on restart.
    @Test func restartAfterDowntimeRecordsAGap() throws {
        var configuration = try Self.configurationInFreshDirectory()
        let directory = configuration.dataDirectory
        defer { try? FileManager.default.removeItem(atPath: directory) }
        configuration.checkpointInterval = 60
        let key = ProviderKey.generate()
        let first = ProviderState(configuration: configuration, key: key, limits: Self.limits, now: 1_000_000, logger: Logger(label: "t"))
        first.stopped(at: 1_000_100)
        let second = ProviderState(configuration: configuration, key: key, limits: Self.limits, now: 1_005_000, logger: Logger(label: "t"))
        #expect(second.coverage.gaps == [[1_000_100, 1_005_000]])
        #expect(second.coverage.from == 1_000_000)
        #expect(!second.coverage.covers(sent: 1_002_000, at: 1_005_000))
        let third = ProviderState(configuration: configuration, key: key, limits: Self.limits, now: 1_005_030, logger: Logger(label: "t"))
        #expect(third.coverage.gaps.count == 1)
    }

    /// A gap heals only after a round with a peer whose verified coverage spans it and which
    /// accepts at least what this node accepts; the healing is kept with the peer and the time,
    /// survives a restart, and the descriptor is re-signed without the gap.
    @Test func gapsHealOnlyByAPeerThatCoveredThem() throws {
        var configuration = try Self.configurationInFreshDirectory()
        let directory = configuration.dataDirectory
        defer { try? FileManager.default.removeItem(atPath: directory) }
        configuration.checkpointInterval = 60
        configuration.minimumPoW = 0.5
        let key = ProviderKey.generate()
        let first = ProviderState(configuration: configuration, key: key, limits: Self.limits, now: 1_000_000, logger: Logger(label: "t"))
        first.stopped(at: 1_000_100)
        let state = ProviderState(configuration: configuration, key: key, limits: Self.limits, now: 1_005_000, logger: Logger(label: "t"))
        #expect(state.coverage.gaps == [[1_000_100, 1_005_000]])
        let before = state.descriptor(now: 1_005_001).digest
        func peer(from: UInt32, gaps: [[UInt32]], minimumPoW: Double = 0.2, size: Int = 1 << 20) -> ProviderDescriptor {
            let peerKey = ProviderKey.generate()
            return ProviderDescriptor(
                publicKey: Hex.encode(peerKey.publicKey, prefix: true), address: peerKey.address.description, software: "t",
                endpoints: [], minimumPoW: minimumPoW, maximumEnvelopeSize: size,
                retention: .init(maximumAge: 2_592_000, tiers: [], maximumBytes: nil), limits: Self.limits,
                coverage: Coverage(from: from, maximumAge: 2_592_000, minimumPoW: minimumPoW, newestIngest: nil, gaps: gaps),
                benchmark: nil, sequence: 1, issuedAt: 1_005_000, expires: 1_009_000)
        }
        // Peers that cannot vouch: started after the gap began, down during it, stricter PoW,
        // smaller envelopes; and a window that starts after the gap.
        #expect(state.heal(windowStart: 0, peer: peer(from: 1_000_200, gaps: []), url: "u", now: 1_005_010).isEmpty)
        #expect(state.heal(windowStart: 0, peer: peer(from: 0, gaps: [[1_004_000, 1_004_500]]), url: "u", now: 1_005_010).isEmpty)
        #expect(state.heal(windowStart: 0, peer: peer(from: 0, gaps: [], minimumPoW: 1), url: "u", now: 1_005_010).isEmpty)
        #expect(state.heal(windowStart: 0, peer: peer(from: 0, gaps: [], size: 1000), url: "u", now: 1_005_010).isEmpty)
        #expect(state.heal(windowStart: 1_000_200, peer: peer(from: 0, gaps: []), url: "u", now: 1_005_010).isEmpty)
        #expect(state.coverage.gaps.count == 1)
        // One that can: its own gap elsewhere does not matter.
        let good = peer(from: 0, gaps: [[900_000, 900_100]])
        let healed = state.heal(windowStart: 0, peer: good, url: "http://b", now: 1_005_010)
        #expect(healed.map { [$0.from, $0.to, $0.at] } == [[1_000_100, 1_005_000, 1_005_010]])
        #expect(healed.map(\.peer) == [good.address] && healed.map(\.url) == ["http://b"])
        #expect(state.coverage.gaps.isEmpty)
        #expect(state.descriptor(now: 1_005_011).digest != before)
        let reopened = ProviderState(configuration: configuration, key: key, limits: Self.limits, now: 1_005_020, logger: Logger(label: "t"))
        #expect(reopened.coverage.gaps.isEmpty)
        #expect(reopened.healedGaps == healed)
    }

    /// Checkpoints older than the longest retention age (a tier's here) are dropped once a day's
    /// worth has expired, from memory and from the file, and the rest reload intact.
    @Test func checkpointsOlderThanRetentionArePruned() throws {
        var configuration = try Self.configurationInFreshDirectory()
        let directory = configuration.dataDirectory
        defer { try? FileManager.default.removeItem(atPath: directory) }
        configuration.store.retention = RetentionPolicy(maximumAge: 3_600, tiers: [RetentionTier(minimumPoW: 1, maximumAge: 7_200)])
        let store = try EnvelopeStore.open(at: directory + "/store")
        defer { store.close() }
        let key = ProviderKey.generate()
        let start = Self.now
        let state = ProviderState(configuration: configuration, key: key, limits: Self.limits, now: start, logger: Logger(label: "t"))
        #expect(state.checkpointRetention == 7_200)
        let path = directory + "/checkpoints.jsonl"
        func lines() throws -> Int {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count
        }
        func kept(_ state: ProviderState) throws -> [Checkpoint] {
            try state.checkpoints(from: 0, to: .max, limit: 1000).map { try $0.decode(Checkpoint.self) }
        }
        // One checkpoint an hour. The first ends at hour 1; pruning waits until it is a day
        // older than the cutoff (now - 7,200 s), which first happens at hour 28.
        for hour in UInt32(1)...27 { try state.checkpoint(archive: store, now: start + hour * 3_600) }
        #expect(try lines() == 27)
        try state.checkpoint(archive: store, now: start + 28 * 3_600)
        // Cutoff at hour 26: the checkpoints that ended before it (hours 1-25) are gone.
        #expect(try kept(state).map(\.to) == [26, 27, 28].map { start + $0 * 3_600 })
        #expect(try lines() == 3)
        for hour in UInt32(29)...48 { try state.checkpoint(archive: store, now: start + hour * 3_600) }
        #expect(try lines() == 23)
        let reloaded = ProviderState(configuration: configuration, key: key, limits: Self.limits, now: start + 48 * 3_600 + 1, logger: Logger(label: "t"))
        let checkpoints = try kept(reloaded)
        #expect(checkpoints.count == 23)
        #expect(checkpoints.first?.from == start + 25 * 3_600 + 1)
        #expect(zip(checkpoints, checkpoints.dropFirst()).allSatisfy { $0.to + 1 == $1.from })
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
    }

    /// A line left unfinished by a crash (or a full disk) does not swallow the next checkpoint.
    @Test func checkpointsSurviveATornLastLine() throws {
        let configuration = try Self.configurationInFreshDirectory()
        let directory = configuration.dataDirectory
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("{\"kind\":\"checkpoint\",\"docu".utf8).write(to: URL(fileURLWithPath: directory + "/checkpoints.jsonl"))
        let store = try EnvelopeStore.open(at: directory + "/store")
        defer { store.close() }
        _ = try store.ingestAndWait([Self.envelope(sent: Self.now + 5)])
        let key = ProviderKey.generate()
        let state = ProviderState(configuration: configuration, key: key, limits: Self.limits, now: Self.now, logger: Logger(label: "t"))
        try state.checkpoint(archive: store, now: Self.now + 10)
        let reloaded = ProviderState(configuration: configuration, key: key, limits: Self.limits, now: Self.now + 11, logger: Logger(label: "t"))
        let documents = reloaded.checkpoints(from: 0, to: .max, limit: 10)
        #expect(documents.count == 1)
        #expect(try documents.first?.decode(Checkpoint.self).count == 1)
    }

    /// The coverage record is replaced whole: no temporary file is left beside it, and a new
    /// state reads back what the old one wrote.
    @Test func coverageIsWrittenAtomically() throws {
        let configuration = try Self.configurationInFreshDirectory()
        let directory = configuration.dataDirectory
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = ProviderKey.generate()
        let state = ProviderState(configuration: configuration, key: key, limits: Self.limits, now: Self.now, logger: Logger(label: "t"))
        state.ingested(at: Self.now + 3)
        state.stopped(at: Self.now + 5)
        #expect(FileManager.default.fileExists(atPath: directory + "/coverage.json"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/coverage.json.tmp"))
        let again = ProviderState(configuration: configuration, key: key, limits: Self.limits, now: Self.now + 6, logger: Logger(label: "t"))
        #expect(again.coverage.from == Self.now && again.coverage.gaps.isEmpty)
        #expect(try again.descriptor(now: Self.now + 6).document.decode(ProviderDescriptor.self).limits == Self.limits)
    }
}
