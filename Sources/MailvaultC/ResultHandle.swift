import CMailvaultHeader
import MailvaultCore

/// What an `mv_result` points to: one page, laid out for C once (entries in one array, the
/// envelopes' bytes in one arena), so iterating it copies nothing.
final class ResultHandle {
    /// The entries, whose `bytes` point into `arena`.
    let entries: UnsafeMutableBufferPointer<mv_result_entry>
    /// Every envelope's encoding, back to back.
    private let arena: UnsafeMutableRawBufferPointer
    /// The cursor for the next page; `nil` when the query is complete.
    let next: EnvelopeKey?

    /// The C layout of a page: an entry per page entry, with the envelope's bytes in the arena
    /// when the page carries envelopes (a hashes-only page leaves `bytes` NULL).
    init(_ page: HistoryPage) {
        let total = page.entries.reduce(0) { $0 + ($1.envelope?.encoded.count ?? 0) }
        arena = .allocate(byteCount: max(1, total), alignment: 16)
        entries = .allocate(capacity: max(1, page.entries.count))
        next = page.next
        var offset = 0
        for (index, item) in page.entries.enumerated() {
            var entry = mv_result_entry()
            entry.sent = item.key.sent
            copyBytes(item.topic.bytes, into: &entry.topic)
            copyBytes(item.key.hash.bytes, into: &entry.hash)
            if let envelope = item.envelope {
                let start = arena.baseAddress.map { $0 + offset }
                envelope.encoded.withUnsafeBytes { source in
                    if let start, let base = source.baseAddress { start.copyMemory(from: base, byteCount: source.count) }
                }
                entry.bytes = UnsafePointer(start?.assumingMemoryBound(to: UInt8.self))
                entry.length = envelope.encoded.count
                offset += envelope.encoded.count
            }
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
