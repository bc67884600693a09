import MailvaultBench
import MailvaultCore
import MailvaultSync
import Testing

@Suite("Reconciler")
struct ReconcilerTests {
    /// Runs an exchange to completion; returns the have/need ids and the bytes each way.
    static func run(initiator: SortedSyncIndex, responder: SortedSyncIndex, options: ReconcilerOptions = ReconcilerOptions(),
                    window: Range<SyncBound> = SyncBound.zero..<SyncBound.infinity,
                    opening: SyncOpening = .fingerprint) throws -> (have: [Hash256], need: [Hash256], up: Int, down: Int, rounds: Int) {
        var client = try Reconciler(index: initiator, options: options)
        let server = try Reconciler(index: responder, options: options)
        var message: [UInt8]? = try client.initiate(from: window.lowerBound, to: window.upperBound, opening: opening)
        var have = [Hash256](), need = [Hash256]()
        var up = 0, down = 0, rounds = 0
        while let query = message {
            rounds += 1
            #expect(rounds < 100, "no convergence")
            if rounds >= 100 { break }
            up += query.count
            let answer = try server.respond(to: query)
            down += answer.count
            if options.frameSizeLimit != 0 {
                #expect(query.count <= options.frameSizeLimit && answer.count <= options.frameSizeLimit)
            }
            let outcome = try client.reconcile(answer)
            have += outcome.have
            need += outcome.need
            message = outcome.next
        }
        return (have, need, up, down, rounds)
    }

    struct Scenario: CustomTestStringConvertible, Sendable {
        var shared: Int, onlyInitiator: Int, onlyResponder: Int
        var timestamps: UInt64 // how many distinct timestamps: few means many items share one
        var frameSizeLimit = 0
        var windowed = false
        var testDescription: String {
            "\(shared) shared, +\(onlyInitiator)/+\(onlyResponder), \(timestamps) times, frame \(frameSizeLimit)\(windowed ? ", windowed" : "")"
        }
    }

    @Test("have and need are exactly the difference, and the union is reached", arguments: [
        Scenario(shared: 0, onlyInitiator: 0, onlyResponder: 0, timestamps: 10),
        Scenario(shared: 0, onlyInitiator: 0, onlyResponder: 300, timestamps: 10),
        Scenario(shared: 0, onlyInitiator: 300, onlyResponder: 0, timestamps: 10),
        Scenario(shared: 800, onlyInitiator: 0, onlyResponder: 0, timestamps: 1000),
        Scenario(shared: 800, onlyInitiator: 10, onlyResponder: 10, timestamps: 1000),
        Scenario(shared: 800, onlyInitiator: 25, onlyResponder: 40, timestamps: 3),
        Scenario(shared: 600, onlyInitiator: 200, onlyResponder: 200, timestamps: 1),
        Scenario(shared: 1500, onlyInitiator: 400, onlyResponder: 500, timestamps: 200, frameSizeLimit: 4096),
        Scenario(shared: 500, onlyInitiator: 1500, onlyResponder: 0, timestamps: 50, frameSizeLimit: 4096),
        Scenario(shared: 800, onlyInitiator: 50, onlyResponder: 50, timestamps: 100, windowed: true),
        Scenario(shared: 800, onlyInitiator: 300, onlyResponder: 300, timestamps: 100, frameSizeLimit: 4096, windowed: true),
        Scenario(shared: 100, onlyInitiator: 30, onlyResponder: 30, timestamps: 2, windowed: true),
    ])
    func model(scenario: Scenario) throws {
        for seed in UInt64(1)...2 {
            var random = SplitMix64(seed: seed &* 7919 &+ UInt64(scenario.shared))
            func items(_ count: Int) -> [SyncItem] {
                (0..<count).map { _ in SyncItem(timestamp: 1000 + random.next(below: scenario.timestamps), id: random.hash()) }
            }
            let shared = items(scenario.shared), mine = items(scenario.onlyInitiator), theirs = items(scenario.onlyResponder)
            let initiator = SortedSyncIndex(shared + mine), responder = SortedSyncIndex(shared + theirs)
            var window = SyncBound.zero..<SyncBound.infinity
            if scenario.windowed {
                // A window cutting through a timestamp, at an id prefix.
                let low = SyncBound(timestamp: 1000 + scenario.timestamps / 4, prefix: [0x80])!
                let high = SyncBound(timestamp: 1000 + 3 * scenario.timestamps / 4, prefix: [0x40])!
                window = low..<high
            }
            let inWindow = { (item: SyncItem) in window.lowerBound.isAtOrBelow(item) && !window.upperBound.isAtOrBelow(item) }
            let expectedHave = Set(mine.filter(inWindow).map(\.id)), expectedNeed = Set(theirs.filter(inWindow).map(\.id))
            for opening in [SyncOpening.fingerprint, .split] {
                let result = try ReconcilerTests.run(
                    initiator: initiator, responder: responder,
                    options: ReconcilerOptions(frameSizeLimit: scenario.frameSizeLimit), window: window, opening: opening)
                #expect(result.have.count == expectedHave.count && Set(result.have) == expectedHave, "seed \(seed) \(opening)")
                #expect(result.need.count == expectedNeed.count && Set(result.need) == expectedNeed, "seed \(seed) \(opening)")
                // Applying have to the responder and need to the initiator gives both the union.
                let union = Set(initiator.items.filter(inWindow).map(\.id)).union(result.need)
                #expect(union == Set(responder.items.filter(inWindow).map(\.id)).union(result.have))
            }
        }
    }

    @Test("1,000,000 identical items agree in one round trip under 1 KiB")
    func identicalMillion() throws {
        var random = SplitMix64(seed: 11)
        // Ascending by construction (eight items a second, the first id word counting up), so the
        // test spends no time sorting.
        let items = (0..<1_000_000).map {
            SyncItem(timestamp: UInt64(1_700_000_000 + $0 / 8), id: Hash256(w0: UInt64($0), w1: random.next(), w2: 0, w3: 0))
        }
        let index = try #require(SortedSyncIndex(sorted: items))
        let result = try ReconcilerTests.run(initiator: index, responder: index,
                                             window: SyncBound(timestamp: 1_700_000_000)..<SyncBound(timestamp: 1_700_100_000))
        #expect(result.rounds == 1)
        #expect(result.up + result.down < 1024, "\(result.up) up, \(result.down) down")
        #expect(result.have.isEmpty && result.need.isEmpty)
    }

    @Test("100 differences among 100,000 items cost far less than the id list")
    func fewDifferences() throws {
        var random = SplitMix64(seed: 12)
        let all = (0..<100_050).map { SyncItem(timestamp: 1_700_000_000 + UInt64($0 / 2), id: Hash256(w0: UInt64($0), w1: random.next(), w2: 0, w3: 0)) }
        var owner = [UInt8](repeating: 0, count: all.count) // 0 both, 1 initiator only, 2 responder only
        for side in [UInt8(1), 2] {
            var placed = 0
            while placed < 50 {
                let position = Int(random.next(below: UInt64(all.count)))
                if owner[position] == 0 { owner[position] = side; placed += 1 }
            }
        }
        let initiator = try #require(SortedSyncIndex(sorted: all.indices.filter { owner[$0] != 2 }.map { all[$0] }))
        let responder = try #require(SortedSyncIndex(sorted: all.indices.filter { owner[$0] != 1 }.map { all[$0] }))
        let result = try ReconcilerTests.run(initiator: initiator, responder: responder)
        #expect(Set(result.have) == Set(all.indices.filter { owner[$0] == 1 }.map { all[$0].id }))
        #expect(Set(result.need) == Set(all.indices.filter { owner[$0] == 2 }.map { all[$0].id }))
        // Each difference costs about an IdList of 16-31 ids each way (the reference's threshold),
        // about 1 KiB: some 190 KB in all, a sixteenth of sending the 3.2 MB of ids (Docs/Sync.md).
        let fullList = 100_000 * 32
        #expect(result.up + result.down < fullList / 10, "\(result.up) up, \(result.down) down in \(result.rounds) rounds")
        print("d=100 among 100,000: \(result.up) bytes up, \(result.down) down, \(result.rounds) rounds")
    }

    @Test("version negotiation: other versions get 0x61, non-versions are errors")
    func versions() throws {
        let server = try Reconciler(index: SortedSyncIndex([]))
        #expect(try server.respond(to: [0x62, 0xAA, 0xBB]) == [0x61])
        #expect(try server.respond(to: [0x60]) == [0x61])
        #expect(throws: SyncError.invalidVersion(0x70)) { try server.respond(to: [0x70]) }
        var client = try Reconciler(index: SortedSyncIndex([]))
        _ = try client.initiate()
        #expect(throws: SyncError.unsupportedVersion(0x62)) { try client.reconcile([0x62]) }
        #expect(try client.reconcile([0x61]).next == nil)
    }

    @Test("the reference suite's probe: a full-range empty IdList is answered with every id")
    func protoversionProbe() throws {
        let id = try Hash256(hex: String(repeating: "e", count: 64))
        let server = try Reconciler(index: SortedSyncIndex([SyncItem(timestamp: 12345, id: id)]))
        #expect(Hex.encode(try server.respond(to: Hex.decode("6100000200"))) == "6100000201" + String(repeating: "e", count: 64))
    }

    @Test("misuse and invalid options are typed errors")
    func misuse() throws {
        let index = SortedSyncIndex([])
        #expect(throws: SyncError.invalidFrameSizeLimit(100)) { try Reconciler(index: index, options: ReconcilerOptions(frameSizeLimit: 100)) }
        #expect(throws: SyncError.notInitiated) { try Reconciler(index: index).reconcile([0x61]) }
        var client = try Reconciler(index: index)
        #expect(throws: SyncError.emptyWindow) { try client.initiate(from: SyncBound(timestamp: 5), to: SyncBound(timestamp: 5)) }
        #expect(throws: SyncError.self) { try Reconciler(index: BrokenIndex()).respond(to: Hex.decode("610000010000000000000000000000000000000000")) }
    }

    @Test("a responder bounds its answer to a hostile query")
    func boundedResponder() throws {
        var random = SplitMix64(seed: 13)
        let index = SortedSyncIndex((0..<20_000).map { _ in SyncItem(timestamp: random.next(below: 100_000), id: random.hash()) })
        // 2,000 ranges, every fingerprint wrong: each would be split in 16.
        var ranges = [NegentropyRange]()
        for step in 1...2000 {
            ranges.append(NegentropyRange(upperBound: SyncBound(timestamp: UInt64(step * 50)),
                                          payload: .fingerprint(Fingerprint(bytes: [UInt8](repeating: 0, count: 16))!)))
        }
        let query = NegentropyMessage(ranges: ranges).encode()
        let server = try Reconciler(index: index, options: ReconcilerOptions(maxSplitsPerMessage: 100))
        let answer = try NegentropyMessage(bytes: server.respond(to: query))
        #expect(answer.ranges.count < 101 * 16 + 2)
        #expect(answer.ranges.last?.upperBound == .infinity)
        // The closing fingerprint covers exactly what follows the last range before it.
        if case let .fingerprint(closing) = answer.ranges.last?.payload {
            let start = answer.ranges.dropLast().last?.upperBound ?? .zero
            #expect(closing == Fingerprint(index.summary(from: start, to: .infinity)))
        } else {
            Issue.record("no closing fingerprint")
        }
        // With a frame limit the answer stays within it.
        let framed = try Reconciler(index: index, options: ReconcilerOptions(frameSizeLimit: 4096))
        #expect(try framed.respond(to: query).count <= 4096)
        // An IdList over the whole space is answered with as many ids as the frame holds.
        let all = try framed.respond(to: Hex.decode("6100000200"))
        #expect(all.count <= 4096)
        let parsed = try NegentropyMessage(bytes: all)
        #expect(parsed.ranges.count == 2)
    }
}

/// An index that breaks the split contract.
struct BrokenIndex: SyncIndex {
    func summary(from lower: SyncBound, to upper: SyncBound) -> KeySetSummary {
        KeySetSummary(count: 1000, l0: 1, l1: 2, l2: 3, l3: 4)
    }
    func items(from lower: SyncBound, to upper: SyncBound, limit: Int) -> [SyncItem] { [] }
    func split(from lower: SyncBound, to upper: SyncBound, parts: Int) -> [SyncBound] { [] }
}
