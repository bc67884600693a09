import MailvaultAccountability
import MailvaultCore
import Synchronization

/// Signs receipts in batches (`SignatureBatch`): one secp256k1 signature per batch instead of
/// one per page, which is most of what a receipt costs.
///
/// A batch is whatever asks for a signature in one slot (the HTTP server makes each event loop a
/// slot) before that slot runs the flush the first request scheduled behind the work already
/// queued there: it adds no timer and no wait beyond the slot's current round. A lone request
/// is signed alone, with an empty path.
public final class ReceiptSigner: Sendable {
    /// Where a signature is asked for: the batch it joins and how to run that batch's flush.
    public struct Slot: Sendable {
        /// Requests with the same identity share a batch; `nil` is one shared slot.
        public var identity: ObjectIdentifier?
        /// Runs a flush later, behind the work already queued in the slot.
        public var schedule: @Sendable (_ flush: @escaping @Sendable () -> Void) -> Void

        /// A slot.
        public init(identity: ObjectIdentifier?, schedule: @escaping @Sendable (_ flush: @escaping @Sendable () -> Void) -> Void) {
            self.identity = identity
            self.schedule = schedule
        }

        /// One shared slot whose flush runs as a new task: for callers on Swift's thread pool.
        public static let task = Slot(identity: nil, schedule: { flush in Task { flush() } })
    }

    private struct Waiting {
        let digest: Hash256
        let kind: String
        let document: [UInt8]
        let continuation: CheckedContinuation<SignedDocument, Never>
    }

    private let key: ProviderKey
    private let batchSizes: @Sendable (Int) -> Void
    private let locate: @Sendable () -> Slot
    /// Queued documents per slot.
    private let pending = Mutex<[ObjectIdentifier?: [Waiting]]>([:])

    /// - Parameters:
    ///   - locate: the slot of the calling thread (default: one shared slot flushed by a task).
    ///   - batchSizes: told the size of every batch signed (for metrics).
    public init(key: ProviderKey, locate: @escaping @Sendable () -> Slot = { .task },
                batchSizes: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.key = key
        self.locate = locate
        self.batchSizes = batchSizes
    }

    /// Documents waiting for the next flush.
    public var queued: Int { pending.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    /// `document` of `kind`, signed (alone or in a batch).
    public func sign(kind: String, document: [UInt8]) async -> SignedDocument {
        let digest = SignedDocument.digest(kind: kind, document: document)
        let slot = locate()
        return await withCheckedContinuation { continuation in
            let first = pending.withLock { queues in
                let wasEmpty = queues[slot.identity, default: []].isEmpty
                queues[slot.identity, default: []].append(Waiting(digest: digest, kind: kind, document: document,
                                                                  continuation: continuation))
                return wasEmpty
            }
            guard first else { return }
            slot.schedule { self.flush(slot.identity) }
        }
    }

    private func flush(_ slot: ObjectIdentifier?) {
        let batch = pending.withLock { queues in queues.removeValue(forKey: slot) ?? [] }
        guard !batch.isEmpty else { return }
        batchSizes(batch.count)
        let (signature, paths) = SignatureBatch.sign(batch.map(\.digest), key: key)
        for (waiting, path) in zip(batch, paths) {
            waiting.continuation.resume(returning: SignedDocument(
                kind: waiting.kind, document: waiting.document, signature: signature, signer: key.address, path: path))
        }
    }
}
