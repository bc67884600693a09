import Foundation
import MailvaultCore
@testable import MailvaultStore
import Testing

@Suite("EnvelopeStore behaviour")
struct EnvelopeStoreTests {
    /// A store without tiers leaves the PoW of envelopes ingested without PoW checks unset;
    /// tiers configured later still keep exactly the envelopes whose PoW (computed by the core,
    /// independently of the store) reaches them, and remove them when their tier ends.
    @Test func tiersAddedLaterComputeThePoWLeftUnset() async throws {
        let directory = TemporaryDirectory("lazy-pow")
        defer { directory.remove() }
        var factory = EnvelopeFactory(seed: 77)
        let sent: UInt32 = 1_000_000
        let envelopes = (0..<60).map { index in factory.envelope(sent: sent + UInt32(index % 3), compressible: index % 2 == 0) }
        let plain = try EnvelopeStore.open(at: directory.path, configuration: StoreConfiguration(
            retention: RetentionPolicy(maximumAge: 1000)))
        _ = try await plain.ingest(envelopes)
        let unset = try plain.read { (snapshot) throws(StoreError) -> Int in
            var count = 0
            for envelope in envelopes {
                if try snapshot.withRecord(key: envelope.storeKey, codec: plain.codec, { $0.pow.isNaN }) == true { count += 1 }
            }
            return count
        }
        #expect(unset == envelopes.count)
        plain.close()

        let pows = envelopes.map { $0.pow() }.sorted()
        let threshold = pows[pows.count / 2]
        let tiered = try EnvelopeStore.open(at: directory.path, configuration: StoreConfiguration(
            retention: RetentionPolicy(maximumAge: 1000, tiers: [RetentionTier(minimumPoW: threshold, maximumAge: 5000)])))
        defer { tiered.close() }
        _ = try await tiered.sweep(now: sent + 2000)
        let kept = try tiered.query(HistoryQuery(limit: 1000)).envelopes
        #expect(Set(kept.map(\.storeKey)) == Set(envelopes.filter { Double(Float($0.pow())) >= threshold }.map(\.storeKey)))
        #expect(!kept.isEmpty && kept.count < envelopes.count)
        let report = try await tiered.sweep(now: sent + 7000)
        #expect(report.expired == kept.count)
        #expect(try tiered.stats().envelopes == 0)
    }

    @Test("a sweep that moves many records out of sparse blocks writes one index run per transaction, and every moved envelope stays findable")
    func relocationKeepsOneRunPerTransaction() async throws {
        let directory = TemporaryDirectory("relocate-runs")
        defer { directory.remove() }
        var factory = EnvelopeFactory(seed: 91, topicCount: 9)
        let store = try EnvelopeStore.open(at: directory.path, configuration: StoreConfiguration(
            retention: RetentionPolicy(maximumAge: 1000)))
        defer { store.close() }
        // Old and new envelopes interleaved in every block: expiring the old ones leaves each
        // block a quarter full or less, so its survivors move.
        var envelopes: [Envelope] = []
        for batch in 0..<6 {
            let more = (0..<400).map { index in
                factory.envelope(sent: UInt32(index % 5 == 0 ? 50_000 + batch * 400 + index : 10_000 + batch * 400 + index),
                                 maximumLength: 700, compressible: false)
            }
            _ = try await store.ingest(more)
            envelopes += more
        }
        let runsBefore = try store.runDirectory().count
        let report = try await store.sweep(now: 30_000 + 1000, batch: 500)
        let kept = envelopes.filter { $0.storeKey.sent >= 30_000 }
        #expect(report.expired == envelopes.count - kept.count)
        #expect(report.relocated > 100)
        // At most one new run per sweep transaction (with a run per moved record there were
        // hundreds).
        #expect(try store.runDirectory().count <= runsBefore + report.transactions)
        #expect(try store.presence(of: kept.map(\.hash)).allSatisfy { $0 })
        for topic in factory.topics {
            #expect(try store.hashes(HistoryQuery(topics: [topic], limit: 1000)).entries.map(\.key)
                == kept.filter { $0.topic == topic }.map(\.storeKey).sorted())
        }
        try store.expectSyncBucketsExact()
    }

    @Test("random payloads are stored raw, compressible ones compressed; both read back intact")
    func compressionPays() async throws {
        let directory = TemporaryDirectory("zstd")
        defer { directory.remove() }
        let store = try EnvelopeStore.open(at: directory.path)
        var factory = EnvelopeFactory(seed: 7)
        let random = (0..<200).map { factory.envelope(sent: 1000 + UInt32($0), maximumLength: 1024, compressible: false) }
        _ = try await store.ingest(random)
        var stats = try store.stats()
        #expect(stats.compressedEnvelopes == 0)
        #expect(stats.compressionRatio < 1 && stats.compressionRatio > 0.98)
        let text = (0..<200).map { factory.envelope(sent: 2000 + UInt32($0), maximumLength: 1024, compressible: true) }
        _ = try await store.ingest(text)
        stats = try store.stats()
        #expect(stats.compressedEnvelopes > 150)
        for envelope in random + text { #expect(try store.envelope(hash: envelope.hash) == envelope) }
        let uncompressed = try EnvelopeStore.open(at: directory.path + "-raw", configuration: StoreConfiguration(compressionLevel: 0))
        defer { try? FileManager.default.removeItem(atPath: directory.path + "-raw") }
        _ = try await uncompressed.ingest(text)
        #expect(try uncompressed.stats().compressedEnvelopes == 0)
    }

    @Test("the map grows by itself; an envelope larger than a block gets a block of its own")
    func mapGrowthAndLargeRecords() async throws {
        let directory = TemporaryDirectory("grow")
        defer { directory.remove() }
        let store = try EnvelopeStore.open(at: directory.path,
                                           configuration: StoreConfiguration(compressionLevel: 0, initialMapBytes: 1 << 20))
        var factory = EnvelopeFactory(seed: 9)
        var all: [Envelope] = []
        for batch in 0..<6 {
            let envelopes = (0..<500).map { factory.envelope(sent: UInt32(batch * 1000 + $0), maximumLength: 1200) }
            all += envelopes
            #expect(try await store.ingest(envelopes).allSatisfy(\.isStored))
        }
        let big = Envelope(expiry: 99_999, ttl: 50, topic: Topic(9, 9, 9, 9),
                           data: (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7919 >> 3) }, nonce: 1)
        _ = try await store.ingest([big])
        #expect(try store.envelope(hash: big.hash) == big)
        let stats = try store.stats()
        #expect(stats.mapBytes > 1 << 20)
        #expect(stats.envelopes == all.count + 1)
        for envelope in all.shuffled().prefix(200) { #expect(try store.envelope(hash: envelope.hash) == envelope) }
        // Expiring everything frees every block, the large one too.
        let report = try await store.sweep(now: UInt32.max)
        #expect(report.expired == all.count + 1)
        #expect(try store.stats().envelopes == 0)
        #expect(try store.stats().blocks <= 1)
    }

    @Test("a byte budget ends a page early, keeps at least one envelope, and its pages add up to the whole answer")
    func pageByteBudget() async throws {
        let directory = TemporaryDirectory("budget")
        defer { directory.remove() }
        let store = try EnvelopeStore.open(at: directory.path)
        defer { store.close() }
        var factory = EnvelopeFactory(seed: 53, topicCount: 2)
        var envelopes = (0..<300).map { factory.envelope(sent: UInt32(1000 + $0 / 4), maximumLength: 900) }
        // One envelope larger than the budget: it still gets a page of its own.
        envelopes.append(Envelope(expiry: 1200, ttl: 50, topic: factory.topics[0],
                                  data: [UInt8](repeating: 7, count: 20_000), nonce: 3))
        _ = try await store.ingest(envelopes)
        let expected = envelopes.sorted { $0.storeKey < $1.storeKey }
        for (budget, filter) in [(4_000, [Topic]()), (10_000, [factory.topics[0]]), (1, [])] {
            var collected: [Envelope] = []
            var query = HistoryQuery(topics: filter, limit: 100, maximumBytes: budget)
            var pages = 0
            while true {
                let page = try store.query(query)
                pages += 1
                #expect(!page.envelopes.isEmpty)
                let bytes = page.envelopes.reduce(0) { $0 + $1.encoded.count }
                #expect(bytes <= budget || page.envelopes.count == 1, "budget \(budget): \(bytes) bytes in \(page.envelopes.count)")
                collected += page.envelopes
                guard let next = page.next else { break }
                #expect(next == page.envelopes.last?.storeKey)
                query.cursor = next
            }
            let wanted = filter.isEmpty ? expected : expected.filter { filter.contains($0.topic) }
            #expect(collected == wanted, "budget \(budget)")
            #expect(pages > wanted.count / 100 + 1)
        }
        #expect(throws: StoreError.self) { try store.query(HistoryQuery(maximumBytes: 0)) }
    }

    @Test("a database written by a newer schema is refused, not misread")
    func newerSchemaRefused() async throws {
        let directory = TemporaryDirectory("schema")
        defer { directory.remove() }
        do {
            let store = try EnvelopeStore.open(at: directory.path)
            let dbs = store.dbs
            _ = try store.environment.write { (txn) throws(StoreError) in
                try txn.put(dbs.meta, Schema.Meta.schema, BigEndian.bytes(UInt32(99)))
            }
            store.close()
        }
        #expect(throws: StoreError.unsupportedSchema(found: 99, supported: Schema.version)) {
            try EnvelopeStore.open(at: directory.path)
        }
    }

    @Test("readers see consistent snapshots while batches commit")
    func concurrentReaders() async throws {
        let directory = TemporaryDirectory("readers")
        defer { directory.remove() }
        let store = try EnvelopeStore.open(at: directory.path)
        var factory = EnvelopeFactory(seed: 11)
        let batches = (0..<30).map { batch in (0..<100).map { factory.envelope(sent: UInt32(batch * 100 + $0)) } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for batch in batches {
                group.addTask { _ = try await store.ingest(batch) }
            }
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<20 {
                        let page = try store.hashes(HistoryQuery(limit: 1000))
                        let keys = page.entries.map(\.key)
                        #expect(keys == keys.sorted())
                        #expect(Set(keys).count == keys.count)
                        // A snapshot holds whole batches only.
                        #expect(page.entries.count % 100 == 0 || page.entries.count == 1000)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try store.stats().envelopes == 3000)
    }

    @Test("envelope streams: multi-megabyte zstd round trip, length bombs refused before allocation")
    func envelopeStreams() throws {
        let directory = TemporaryDirectory("stream")
        try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        defer { directory.remove() }
        var factory = EnvelopeFactory(seed: 13)
        let envelopes = (0..<4000).map { factory.envelope(sent: UInt32($0), maximumLength: 1500) }
        for level: Int32? in [nil, 3] {
            let path = directory.path + "/stream-\(level ?? 0)"
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            let out = try #require(FileHandle(forWritingAtPath: path))
            let writer = try EnvelopeStreamWriter(handle: out, compressionLevel: level)
            for envelope in envelopes { try writer.write(envelope) }
            try writer.finish()
            try out.close()
            let reader = try EnvelopeStreamReader(handle: try #require(FileHandle(forReadingAtPath: path)))
            var read: [Envelope] = []
            while let envelope = try reader.next() { read.append(envelope) }
            #expect(read == envelopes)
            #expect(reader.isCompressed == (level != nil))
        }
        let bomb = directory.path + "/bomb"
        try Data([0xFB, 0x7F, 0xFF, 0xFF, 0xFF, 0x80]).write(to: URL(fileURLWithPath: bomb))
        let reader = try EnvelopeStreamReader(handle: try #require(FileHandle(forReadingAtPath: bomb)))
        #expect(throws: StoreError.envelopeTooLarge(offset: 0, size: 0x7FFF_FFFF)) { try reader.next() }
    }

    @Test("a full disk fails the batch with a clear error and loses nothing acknowledged",
          .enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func fullDisk() async throws {
        let directory = TemporaryDirectory("full")
        try FileManager.default.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
        defer { directory.remove() }
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=3m", "tmpfs", directory.path]
        try mount.run()
        mount.waitUntilExit()
        try #require(mount.terminationStatus == 0, "could not mount a tmpfs")
        defer {
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = [directory.path]
            try? umount.run()
            umount.waitUntilExit()
        }
        let path = directory.path + "/store"
        var acknowledged: [Envelope] = []
        var failure: StoreError?
        do {
            let store = try EnvelopeStore.open(at: path, configuration: StoreConfiguration(compressionLevel: 0,
                                                                                           initialMapBytes: 1 << 20))
            var factory = EnvelopeFactory(seed: 17)
            for batch in 0..<200 {
                let envelopes = (0..<50).map { factory.envelope(sent: UInt32(batch * 50 + $0), maximumLength: 1024, compressible: false) }
                do {
                    _ = try await store.ingest(envelopes)
                    acknowledged += envelopes
                } catch {
                    failure = error
                    break
                }
            }
            #expect(failure == .diskFull)
            #expect(try store.presence(of: acknowledged.map(\.hash)).allSatisfy { $0 })
            store.close()
        }
        #expect(acknowledged.count > 500)
        let reopened = try EnvelopeStore.open(at: path, configuration: StoreConfiguration(readOnly: true))
        #expect(try reopened.stats().envelopes == acknowledged.count)
        for envelope in acknowledged.shuffled().prefix(100) { #expect(try reopened.envelope(hash: envelope.hash) == envelope) }
    }
}
