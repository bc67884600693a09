import Foundation
import MailvaultCore
import MailvaultFederation
import MailvaultStore
import MailvaultSync
import Testing

/// Negentropy between two real stores through `ArchiveSyncIndex` (the store's bucket summaries
/// and splits): whatever the two sets, one side's have and need are exactly the difference.
@Suite("Reconciliation over the store", .serialized)
struct ArchiveReconciliationTests {
    static func store() throws -> (EnvelopeStore, String) {
        let directory = NSTemporaryDirectory() + "mailvault-reconcile-\(UUID().uuidString)"
        return (try EnvelopeStore.open(at: directory), directory)
    }

    /// Random sets with crowds sharing a sent time (across 64 s bucket edges too), random
    /// differences on both sides, a small frame limit so that answers are cut and continued.
    @Test(arguments: [(0, 0), (1, 0), (0, 1), (40, 60), (3000, 3)] as [(Int, Int)])
    func haveAndNeedAreTheDifference(onlyA: Int, onlyB: Int) async throws {
        var random = SystemRandomNumberGenerator()
        let (a, aDirectory) = try Self.store()
        let (b, bDirectory) = try Self.store()
        defer {
            a.close()
            b.close()
            try? FileManager.default.removeItem(atPath: aDirectory)
            try? FileManager.default.removeItem(atPath: bDirectory)
        }
        func envelope(_ index: Int) -> Envelope {
            // A third of them in a crowd at one second just before a bucket edge, a third just after.
            let sent: UInt32 = switch index % 3 {
            case 0: 1_700_000_000 - 1_700_000_000 % 64 + 63
            case 1: 1_700_000_000 - 1_700_000_000 % 64 + 64
            default: 1_700_000_000 + UInt32.random(in: 0..<86_400 * 30, using: &random)
            }
            return Envelope(expiry: sent + 100, ttl: 100, topic: Topic(1, 2, 3, 4), data: Array("\(index)".utf8), nonce: UInt64(index))
        }
        let common = (0..<4000).map(envelope)
        let onlyInA = (10_000..<10_000 + onlyA).map(envelope)
        let onlyInB = (20_000..<20_000 + onlyB).map(envelope)
        for chunk in stride(from: 0, to: common.count, by: 1000) {
            let batch = Array(common[chunk..<min(chunk + 1000, common.count)])
            _ = try await a.ingest(batch, work: nil)
            _ = try await b.ingest(batch, work: nil)
        }
        if !onlyInA.isEmpty { _ = try await a.ingest(onlyInA, work: nil) }
        if !onlyInB.isEmpty { _ = try await b.ingest(onlyInB, work: nil) }

        let options = ReconcilerOptions(frameSizeLimit: 4096)
        var initiator = try Reconciler(index: ArchiveSyncIndex(archive: a), options: options)
        let responder = try Reconciler(index: ArchiveSyncIndex(archive: b), options: options)
        var message = try initiator.initiate()
        var have = Set<Hash256>(), need = Set<Hash256>()
        var exchanges = 0
        while true {
            exchanges += 1
            #expect(exchanges < 200)
            let step = try initiator.reconcile(try responder.respond(to: message))
            have.formUnion(step.have)
            need.formUnion(step.need)
            guard let next = step.next, exchanges < 200 else { break }
            message = next
        }
        #expect(have == Set(onlyInA.map(\.hash)))
        #expect(need == Set(onlyInB.map(\.hash)))
        if onlyA + onlyB == 0 { #expect(exchanges == 1) }
    }
}

@Suite("Peers as the operator names them")
struct PeerSpecTests {
    @Test func parsesURLsAndPins() throws {
        let plain = try PeerSpec("https://b.example.org/")
        #expect(plain.url == "https://b.example.org" && plain.pinned == nil)
        let pinned = try PeerSpec("http://127.0.0.1:8081#0x00000000000000000000000000000000000000aa")
        #expect(pinned.url == "http://127.0.0.1:8081")
        #expect(pinned.pinned?.description == "0x00000000000000000000000000000000000000aa")
        #expect(try PeerSpec.list("http://a:1, http://b:2\nhttp://c:3").map(\.url) == ["http://a:1", "http://b:2", "http://c:3"])
        for bad in ["ftp://x", "b.example.org", "http://", "http://x?y=1", "http://x#0x12", "http://x#nothex"] {
            #expect(throws: FederationError.self, "\(bad)") { try PeerSpec(bad) }
        }
    }
}
