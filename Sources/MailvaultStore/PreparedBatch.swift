import Foundation
import MailvaultCore

/// A batch of envelopes made ready for the writer on the caller's threads: hashed (unless the
/// caller's PoW checks bring the hashes), encoded as records, and ordered by key.
///
/// The hashing and the record building are the ingest's CPU work that cannot overlap the
/// previous commit for a single caller, so a large batch is cut into contiguous chunks
/// prepared on as many threads as there are lanes; the result is the same as one thread's.
struct PreparedBatch: Sendable {
    /// The envelopes, in input order.
    let envelopes: [PreparedEnvelope]
    /// Indices into `envelopes` in key order, so that keys newer than the store's newest are
    /// appended.
    let order: [Int]

    /// Envelopes per lane below which a batch is prepared on the caller's thread alone.
    static let chunk = 256

    /// Prepares `batch`. The PoW is recorded when `work` brings it or `recordsPoW` (a retention
    /// tier needs it), else left unset (NaN).
    init(_ batch: [Envelope], work: [PoWCheck]?, codec: RecordCodec, recordsPoW: Bool,
         lanes: Int = ProcessInfo.processInfo.activeProcessorCount) throws(StoreError) {
        if let work, work.count != batch.count {
            throw .invalidArgument("ingest got \(batch.count) envelopes but \(work.count) PoW checks")
        }
        let chunks = max(1, min(lanes, batch.count / PreparedBatch.chunk))
        let bounds = (0...chunks).map { $0 * batch.count / chunks }
        var parts = Array(repeating: [PreparedEnvelope](), count: chunks)
        parts.withUnsafeMutableBufferPointer { buffer in
            // Each lane writes its own slot, and concurrentPerform returns after every lane did.
            nonisolated(unsafe) let slots = buffer
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let range = bounds[chunk]..<bounds[chunk + 1]
                slots[chunk] = PreparedBatch.prepare(Array(batch[range]), work: work?[range], codec: codec,
                                                     recordsPoW: recordsPoW)
            }
        }
        let envelopes = Array(parts.joined())
        self.envelopes = envelopes
        self.order = envelopes.indices.sorted { envelopes[$0].key < envelopes[$1].key }
    }

    private static func prepare(_ slice: [Envelope], work: ArraySlice<PoWCheck>?, codec: RecordCodec,
                                recordsPoW: Bool) -> [PreparedEnvelope] {
        let hashes: [Hash256]
        let pows: [Float]
        if let work {
            hashes = work.map(\.hash)
            pows = work.map { Float($0.pow()) }
        } else if recordsPoW {
            let checks = Envelope.checkWork(batch: slice)
            hashes = checks.map(\.hash)
            pows = checks.map { Float($0.pow()) }
        } else {
            // No tier needs the PoW now: it is left unset and computed if a tier ever does.
            hashes = Envelope.hashes(batch: slice)
            pows = Array(repeating: .nan, count: slice.count)
        }
        let records = codec.records(for: slice)
        var prepared: [PreparedEnvelope] = []
        prepared.reserveCapacity(slice.count)
        for index in slice.indices {
            prepared.append(PreparedEnvelope(key: EnvelopeKey(sent: slice[index].sentTime, hash: hashes[index]),
                                             topic: slice[index].topic, pow: pows[index],
                                             rawLength: slice[index].encoded.count, record: records[index]))
        }
        return prepared
    }

    /// Inserts the batch in key order; one result per envelope, in input order.
    func insert(into context: WriteContext) throws(StoreError) -> [IngestResult] {
        var results = Array(repeating: IngestResult.duplicate(.zero), count: envelopes.count)
        for index in order {
            let item = envelopes[index]
            results[index] = try context.insert(item) ? .stored(item.key.hash) : .duplicate(item.key.hash)
        }
        return results
    }
}
