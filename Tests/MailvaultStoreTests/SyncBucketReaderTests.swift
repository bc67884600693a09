import MailvaultBench
import MailvaultCore
@testable import MailvaultStore
import Testing

@Suite("Key-range summaries, keys and splits (SyncBucketReader)")
struct SyncBucketReaderTests {
    /// A store in `directory` holding `envelopes`, its sync buckets checked.
    func store(_ envelopes: [Envelope], in directory: TemporaryDirectory) async throws -> EnvelopeStore {
        let store = try EnvelopeStore.open(at: directory.path)
        _ = try await store.ingest(envelopes)
        try store.expectSyncBucketsExact()
        return store
    }

    @Test("summaries read through one, two or three bucket levels agree with the keys, from sent 0 to the last second")
    func levelsAgree() async throws {
        var factory = EnvelopeFactory(seed: 61)
        var random = SplitMix64(seed: 62)
        // Ten days of keys, crowds on edges of every level, and keys in the first and last seconds.
        var envelopes = (0..<1500).map { _ in factory.envelope(sent: UInt32(5_000_000 + random.next() % 864_000)) }
        envelopes += (0..<40).map { _ in factory.envelope(sent: 5_242_880, maximumLength: 30) }
        envelopes += (0..<20).map { _ in factory.envelope(sent: 5_242_879, maximumLength: 30) }
        envelopes += (0..<5).map { _ in factory.envelope(sent: 0, maximumLength: 30) }
        envelopes += (0..<5).map { _ in factory.envelope(sent: .max, maximumLength: 30) }
        let keys = envelopes.map(\.storeKey).sorted()
        let directory = TemporaryDirectory("sync")
        defer { directory.remove() }
        let store = try await store(envelopes, in: directory)
        defer { store.close() }
        var bounds: [EnvelopeKey] = [.first(sent: 0), .last(sent: .max), .first(sent: 5_242_880),
                                     .first(sent: 5_242_879), .first(sent: .max), keys[3], keys[keys.count - 2]]
        for _ in 0..<200 {
            let sent = UInt32(4_990_000 + random.next() % 900_000)
            bounds.append(random.next() % 2 == 0 ? .first(sent: sent / 64 * 64)
                          : EnvelopeKey(sent: sent, hash: Hash256(w0: random.next(), w1: 0, w2: 0, w3: 0)))
        }
        var ranges: [(EnvelopeKey, EnvelopeKey?)] = [(.first(sent: 0), nil), (keys[9], keys[9]), (keys[9], keys[8])]
        for _ in 0..<300 {
            let a = bounds.randomElement(using: &random)!
            let b = random.next() % 6 == 0 ? nil : bounds.randomElement(using: &random)!
            ranges.append(b.map { $0 < a ? ($0, a) : (a, $0) } ?? (a, nil))
        }
        let summaries = try store.read { (snapshot) throws(StoreError) in
            try ranges.map { (range) throws(StoreError) in
                try (1...3).map { (levels) throws(StoreError) in
                    try SyncBucketReader(snapshot: snapshot, codec: store.codec, levels: levels).summary(from: range.0, to: range.1)
                }
            }
        }
        for ((lower, upper), found) in zip(ranges, summaries) {
            let expected = expectedSummary(keys.filter { key in key >= lower && (upper.map { key < $0 } ?? true) })
            #expect(found == [expected, expected, expected])
        }
        #expect(summaries[0][2] == expectedSummary(keys))
        #expect(summaries[1][2] == .empty && summaries[2][2] == .empty)
    }

    @Test("a split of spread keys falls on bucket edges; a single crowded second is split at its keys")
    func splitPrefersEdges() async throws {
        var factory = EnvelopeFactory(seed: 63)
        // One key every 97 seconds for two days: at most two keys in any 64-second bucket.
        let spread = (0..<1800).map { factory.envelope(sent: UInt32(2_000_000 + $0 * 97), maximumLength: 40) }
        // 600 keys in one second, between a few others.
        let crowd = (0..<600).map { _ in factory.envelope(sent: 3_000_000, maximumLength: 40) }
        let few = (0..<6).map { factory.envelope(sent: UInt32(2_999_990 + $0 * 5), maximumLength: 40) }
        let directory = TemporaryDirectory("sync")
        defer { directory.remove() }
        let store = try await store(spread + crowd + few, in: directory)
        defer { store.close() }
        let keys = Set((spread + crowd + few).map(\.storeKey))
        let spreadKeys = spread.map(\.storeKey).sorted()
        let lower = EnvelopeKey.first(sent: 2_000_000)
        let upper = EnvelopeKey.first(sent: 2_900_000)
        let bounds = try store.splitKeys(from: lower, to: upper, parts: 16)
        expectBalancedSplit(bounds, of: spreadKeys, lower: lower, upper: upper, parts: 16, stored: keys)
        #expect(bounds.allSatisfy { $0 == .first(sent: $0.sent) && $0.sent % 64 == 0 })

        let inCrowd = (crowd + few).map(\.storeKey).sorted()
        let around = EnvelopeKey.first(sent: 2_999_000)
        let crowdBounds = try store.splitKeys(from: around, to: nil, parts: 4)
        expectBalancedSplit(crowdBounds, of: inCrowd, lower: around, upper: nil, parts: 4, stored: keys)
        #expect(crowdBounds.allSatisfy { $0.sent == 3_000_000 && keys.contains($0) })
        // Exact positions: a quarter of the keys before each bound.
        for (index, bound) in crowdBounds.enumerated() {
            #expect(inCrowd.firstIndex(of: bound) == inCrowd.count * (index + 1) / 4)
        }
    }

    @Test("small ranges: no split of fewer than two keys, one part per key at most, arguments checked")
    func smallRanges() async throws {
        var factory = EnvelopeFactory(seed: 65)
        let envelopes = (0..<5).map { factory.envelope(sent: UInt32(9000 + $0), maximumLength: 40) }
        let keys = envelopes.map(\.storeKey).sorted()
        let directory = TemporaryDirectory("sync")
        defer { directory.remove() }
        let store = try await store(envelopes, in: directory)
        defer { store.close() }
        #expect(try store.splitKeys(from: keys[0], to: keys[1], parts: 8) == [])
        #expect(try store.splitKeys(from: keys[0], to: nil, parts: 1) == [])
        #expect(try store.splitKeys(from: keys[0], to: nil, parts: 10) == Array(keys.dropFirst()))
        #expect(try store.splitKeys(from: keys[0], to: nil, parts: 5) == Array(keys.dropFirst()))
        #expect(try store.keys(from: keys[1], to: keys[4], limit: 10) == Array(keys[1..<4]))
        #expect(try store.keys(from: keys[1], to: nil, limit: 2) == Array(keys[1..<3]))
        #expect(try store.keys(from: keys[1], to: nil, limit: 0) == [])
        #expect(throws: StoreError.self) { _ = try store.keys(from: keys[0], to: nil, limit: -1) }
        #expect(throws: StoreError.self) { _ = try store.splitKeys(from: keys[0], to: nil, parts: 0) }
    }

    @Test("the in-place reading of a stored summary agrees with KeySetSummary(storedBytes:)")
    func rawSummary() {
        var random = SplitMix64(seed: 67)
        for _ in 0..<100 {
            let summary = KeySetSummary(count: random.next(), l0: random.next(), l1: random.next(), l2: random.next(),
                                        l3: random.next())
            let stored = summary.storedBytes
            #expect(stored.withUnsafeBytes { KeySetSummary(raw: $0) } == KeySetSummary(storedBytes: stored))
            #expect(stored.withUnsafeBytes { KeySetSummary(raw: $0) } == summary)
        }
    }
}
