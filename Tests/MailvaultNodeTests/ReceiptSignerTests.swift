import MailvaultAccountability
import MailvaultNode
import Synchronization
import Testing

@Suite("Receipts signed in batches")
struct ReceiptSignerTests {
    /// Receipts asked for before a flush are signed together: one signature, a path each, and
    /// every one verifies on its own.
    @Test func receiptsQueuedTogetherShareOneSignature() async throws {
        let key = try ProviderKey(secret: Array(repeating: 5, count: 32))
        let flushes = Mutex<[@Sendable () -> Void]>([])
        let sizes = Mutex<[Int]>([])
        let slot = ReceiptSigner.Slot(identity: nil, schedule: { flush in flushes.withLock { $0.append(flush) } })
        let signer = ReceiptSigner(key: key, locate: { slot }, batchSizes: { size in sizes.withLock { $0.append(size) } })
        let count = 9
        let documents = try await withThrowingTaskGroup(of: SignedDocument.self) { group in
            for index in 0..<count {
                group.addTask { await signer.sign(kind: "receipt", document: Array("{\"page\":\(index)}".utf8)) }
            }
            while signer.queued < count { try await Task.sleep(for: .milliseconds(1)) }
            let scheduled = flushes.withLock { $0 }
            #expect(scheduled.count == 1)
            scheduled.forEach { $0() }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(sizes.withLock { $0 } == [count])
        #expect(Set(documents.map(\.signature)).count == 1)
        #expect(Set(documents.map(\.document)).count == count)
        for document in documents {
            #expect(!document.path.isEmpty)
            try document.verify()
            #expect(document.signer == key.address)
        }
    }

    /// Each slot is its own batch: requests from two slots are signed apart.
    @Test func slotsAreBatchedApart() async throws {
        let key = ProviderKey.generate()
        final class Marker: Sendable {}
        let markers = [Marker(), Marker()]
        let flushes = Mutex<[@Sendable () -> Void]>([])
        let signer = ReceiptSigner(key: key, locate: {
            let marker = markers[Int.random(in: 0...1)]
            return ReceiptSigner.Slot(identity: ObjectIdentifier(marker), schedule: { flush in flushes.withLock { $0.append(flush) } })
        })
        let documents = try await withThrowingTaskGroup(of: SignedDocument.self) { group in
            for index in 0..<16 {
                group.addTask { await signer.sign(kind: "receipt", document: Array("{\"page\":\(index)}".utf8)) }
            }
            while signer.queued < 16 { try await Task.sleep(for: .milliseconds(1)) }
            let scheduled = flushes.withLock { $0 }
            #expect((1...2).contains(scheduled.count))
            scheduled.forEach { $0() }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(documents.map(\.signature)).count == flushes.withLock { $0.count })
        for document in documents { try document.verify() }
    }
}
