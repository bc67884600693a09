import Foundation
import MailvaultBench
import MailvaultCore
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
            let reader = Task.detached { output.fileHandleForReading.readDataToEndOfFile() }
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
            // The sync buckets were committed with the envelopes: exact after every kill.
            try store.expectSyncBucketsExact()
            #expect(try store.keySummary(from: .first(sent: 0), to: nil).count == UInt64(stats.envelopes))
            store.close()
        }
        #expect(acknowledged.count > 1000, "the probe should have acknowledged plenty in \(rounds) rounds")
    }
}
