import MailvaultAccountability
import MailvaultCore
import NIOCore
import NIOPosix
import Synchronization

/// Signs receipts in batches (`SignatureBatch`): one secp256k1 signature per batch instead of
/// one per page, which is most of what a receipt costs.
///
/// A batch is whatever asks for a signature on one event loop before that loop gets to the
/// flush the first request scheduled behind the work already queued: it adds no timer and no
/// wait beyond the loop's current round. A lone request is signed alone, with an empty path. Off
/// an event loop (a server on Swift's own thread pool), a flush task plays the same part.
final class ReceiptSigner: Sendable {
    private struct Waiting {
        let digest: Hash256
        let kind: String
        let document: [UInt8]
        let continuation: CheckedContinuation<SignedDocument, Never>
    }

    /// Runs a flush later: on the current event loop behind its queued work, else as a task.
    typealias Scheduler = @Sendable (_ flush: @escaping @Sendable () -> Void) -> Void

    private let key: ProviderKey
    private let batchSizes: @Sendable (Int) -> Void
    private let schedule: Scheduler?
    /// Queued documents per event loop (`nil`: not on one).
    private let pending = Mutex<[ObjectIdentifier?: [Waiting]]>([:])

    /// - Parameters:
    ///   - schedule: replaces the default scheduling of flushes (tests run them by hand).
    ///   - batchSizes: told the size of every batch signed (for metrics).
    init(key: ProviderKey, schedule: Scheduler? = nil, batchSizes: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.key = key
        self.schedule = schedule
        self.batchSizes = batchSizes
    }

    /// Documents waiting for the next flush.
    var queued: Int { pending.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    /// `document` of `kind`, signed (alone or in a batch).
    func sign(kind: String, document: [UInt8]) async -> SignedDocument {
        let digest = SignedDocument.digest(kind: kind, document: document)
        let loop = MultiThreadedEventLoopGroup.currentEventLoop
        let slot = loop.map { ObjectIdentifier($0) }
        return await withCheckedContinuation { continuation in
            let first = pending.withLock { queues in
                let wasEmpty = queues[slot, default: []].isEmpty
                queues[slot, default: []].append(Waiting(digest: digest, kind: kind, document: document,
                                                         continuation: continuation))
                return wasEmpty
            }
            guard first else { return }
            if let schedule {
                schedule { self.flush(slot) }
            } else if let loop {
                loop.execute { self.flush(slot) }
            } else {
                Task { self.flush(slot) }
            }
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
