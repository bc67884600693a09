import Foundation
import MailvaultBench
import MailvaultCore
import MailvaultTestSupport
@testable import MailvaultStore
import Testing

/// Kills a process that is ingesting (SIGKILL, at random moments) and checks that everything
/// it acknowledged survived, intact, that the store opens without any repair step, and that
/// its sync buckets equal a recomputation from its keys.
@Suite("EnvelopeStore crash safety", .serialized)
struct StoreCrashTests {
    static let probe: URL? = {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        while !directory.path.isEmpty, directory.path != "/" {
            let candidate = directory.appendingPathComponent("StoreCrashProbe")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }()

    @Test("SIGKILL during group-committed ingest loses nothing acknowledged")
    func killedWriterLosesNothingAcknowledged() async throws {
        let probe = try #require(StoreCrashTests.probe, "build the StoreCrashProbe product first")
        let directory = TemporaryDirectory("crash")
        defer { directory.remove() }
        var random = SplitMix64(seed: 0xC0FFEE)
        var acknowledged = Set<Hash256>()
        let rounds = 8
        for round in 0..<rounds {
            let process = Process()
            process.executableURL = probe
            process.arguments = [directory.path, String(round + 1)]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            // Drain the pipe while the probe runs so that it never blocks on a full pipe.
            let reader = Task { await OffPool.run { output.fileHandleForReading.readDataToEndOfFile() } }
            try process.run()
            let delay = round == 0 ? 30 : 150 + Int(random.next() % 500)
            try await Task.sleep(for: .milliseconds(delay))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            let text = String(decoding: await reader.value, as: UTF8.self)
            // Only complete lines were acknowledged; a line cut by the kill is not.
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                acknowledged.insert(try Hash256(hex: String(line)))
            }

            let store = try EnvelopeStore.open(at: directory.path)
            let hashes = Array(acknowledged)
            #expect(try store.presence(of: hashes).allSatisfy { $0 })
            for hash in hashes.shuffled(using: &random).prefix(300) {
                let envelope = try #require(try store.envelope(hash: hash))
                #expect(envelope.hash == hash)
            }
            // Every stored envelope decodes and the counters agree with the index.
            var query = HistoryQuery(limit: 1000)
            var seen = 0
            while true {
                let page = try store.hashes(query)
                seen += page.entries.count
                guard let next = page.next else { break }
                query.cursor = next
            }
            let stats = try store.stats()
            #expect(seen == stats.envelopes)
            #expect(stats.envelopes >= acknowledged.count)
            // The sync buckets were committed with the envelopes: exact after every kill (the
            // recomputation hashes every record: off the cooperative pool, which the other
            // suites' in-process servers need meanwhile).
            let (stored, recomputed) = try await OffPool.run { Result { try store.syncBucketsAndRecomputation() } }.get()
            #expect(stored == recomputed)
            #expect(try store.keySummary(from: .first(sent: 0), to: nil).count == UInt64(stats.envelopes))
            store.close()
        }
        #expect(acknowledged.count > 1000, "the probe should have acknowledged plenty in \(rounds) rounds")
    }

    @Test("SIGKILL during the migration from schema 6 leaves a store that refuses readers and finishes migrating at the next open")
    func killedMigrationResumes() async throws {
        let probe = try #require(StoreCrashTests.probe, "build the StoreCrashProbe product first")
        let source = TemporaryDirectory("crash-migrate-source")
        let directory = TemporaryDirectory("crash-migrate")
        defer { source.remove(); directory.remove() }
        var factory = EnvelopeFactory(seed: 0x5EED, topicCount: 12)
        let envelopes = (0..<4000).map { factory.envelope(sent: UInt32(1_700_000_000 + $0 / 4), maximumLength: 300) }
        do {
            let store = try EnvelopeStore.open(at: source.path)
            for batch in stride(from: 0, to: envelopes.count, by: 500) {
                _ = try await store.ingest(Array(envelopes[batch..<(batch + 500)]))
            }
            try LegacyStores.rewriteAsVersion6(store)
            store.close()
        }
        // Steps of 40 envelopes: 100 durable commits. Kill the probe at growing delays until a
        // kill lands inside the migration (schema 8 recorded, meta/migration still there).
        var interrupted = false
        for delay in [5, 10, 20, 30, 45, 60, 80, 110, 150, 200, 260] where !interrupted {
            directory.remove()
            try FileManager.default.copyItem(atPath: source.path, toPath: directory.path)
            let process = Process()
            process.executableURL = probe
            process.arguments = [directory.path, "1", "40"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(for: .milliseconds(delay))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let environment = try Environment(directory: directory.path, mapBytes: 1 << 20, readOnly: true)
            interrupted = try environment.read { (txn) throws(StoreError) -> Bool in
                guard let meta = try txn.openExisting("meta", flags: 0) else { return false }
                return try txn.get(meta, Schema.Meta.migration) != nil
            }
        }
        #expect(interrupted, "no kill landed inside the migration")
        guard interrupted else { return }
        #expect(throws: StoreError.needsMigration(directory: directory.path, version: 6)) {
            _ = try EnvelopeStore.open(at: directory.path, configuration: StoreConfiguration(readOnly: true))
        }
        let store = try EnvelopeStore.open(at: directory.path)
        defer { store.close() }
        #expect(try store.stats().schemaVersion == Schema.version)
        #expect(try store.stats().envelopes == envelopes.count)
        #expect(try store.presence(of: envelopes.map(\.hash)).allSatisfy { $0 })
        let all = envelopes.map(\.storeKey).sorted()
        var keys: [EnvelopeKey] = []
        var query = HistoryQuery(limit: 1000)
        while true {
            let page = try store.hashes(query)
            keys += page.entries.map(\.key)
            guard let next = page.next else { break }
            query.cursor = next
        }
        #expect(keys == all)
        for topic in factory.topics {
            var expected = envelopes.filter { $0.topic == topic }.sorted { $0.storeKey < $1.storeKey }
            expected = Array(expected.prefix(1000))
            #expect(try store.query(HistoryQuery(topics: [topic], limit: 1000)).envelopes == expected)
        }
        try store.expectSyncBucketsExact()
        // Version 6's databases are gone.
        try store.environment.read { (txn) throws(StoreError) in
            #expect(try txn.openExisting(Schema.version6Names.primary, flags: 0) == nil)
            #expect(try txn.get(store.dbs.meta, Schema.Meta.migration) == nil)
        }
    }
}
