import CMailvaultHeader
import MailvaultCore
import MailvaultStore

/// What an `mv_result` points to: one page, laid out for C once (entries in one array, the
/// envelopes' bytes in one arena), so iterating it copies nothing.
final class ResultHandle {
    /// The entries, whose `bytes` point into `arena`.
    let entries: UnsafeMutableBufferPointer<mv_result_entry>
    /// Every envelope's encoding, back to back.
    private let arena: UnsafeMutableRawBufferPointer
    /// The cursor for the next page; `nil` when the query is complete.
    let next: EnvelopeKey?

    /// The C layout of a page of envelopes.
    init(_ page: QueryPage) {
        let envelopes = page.envelopes
        let total = envelopes.reduce(0) { $0 + $1.encoded.count }
        arena = .allocate(byteCount: max(1, total), alignment: 16)
        entries = .allocate(capacity: max(1, envelopes.count))
        next = page.next
        let hashes = Envelope.checkWork(batch: envelopes).map(\.hash)
        var offset = 0
        for (index, envelope) in envelopes.enumerated() {
            let start = arena.baseAddress.map { $0 + offset }
            envelope.encoded.withUnsafeBytes { source in
                if let start, let base = source.baseAddress { start.copyMemory(from: base, byteCount: source.count) }
            }
            var entry = mv_result_entry()
            entry.sent = envelope.sentTime
            copyBytes(envelope.topic.bytes, into: &entry.topic)
            copyBytes(hashes[index].bytes, into: &entry.hash)
            entry.bytes = UnsafePointer(start?.assumingMemoryBound(to: UInt8.self))
            entry.length = envelope.encoded.count
            (entries.baseAddress.map { $0 + index })?.initialize(to: entry)
            offset += envelope.encoded.count
        }
        count = envelopes.count
    }

    /// The C layout of a hashes-only page (no envelope bytes).
    init(_ page: HashPage) {
        arena = .allocate(byteCount: 1, alignment: 16)
        entries = .allocate(capacity: max(1, page.entries.count))
        next = page.next
        for (index, item) in page.entries.enumerated() {
            var entry = mv_result_entry()
            entry.sent = item.sent
            copyBytes(item.topic.bytes, into: &entry.topic)
            copyBytes(item.hash.bytes, into: &entry.hash)
            (entries.baseAddress.map { $0 + index })?.initialize(to: entry)
        }
        count = page.entries.count
    }

    /// Entries in the page.
    let count: Int

    deinit {
        entries.deallocate()
        arena.deallocate()
    }
}
