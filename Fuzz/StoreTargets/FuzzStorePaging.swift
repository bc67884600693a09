import Foundation
import MailvaultCore
import MailvaultStore

/// Differential: for any query carved from the input, reading it page by page with cursors gives
/// exactly the unpaged answer, in (sent, hash) order, and the hashes-only pages give the same keys;
/// so do pages under a byte budget, each within it unless it holds one envelope.
/// The store is built once per process: 300 envelopes on 6 topics over 40 seconds.
nonisolated(unsafe) let pagingStore: (store: EnvelopeStore, topics: [Topic]) = {
    let directory = NSTemporaryDirectory() + "mailvault-fuzz-paging-\(getpid())"
    try? FileManager.default.removeItem(atPath: directory)
    let store = try! EnvelopeStore.open(at: directory)
    let topics = (0..<6).map { Topic(rawValue: 0x0100_0000 * UInt32($0 + 1) + UInt32($0)) }
    let envelopes = (0..<300).map { index in
        Envelope(expiry: 1_000 + UInt32(index % 40) + 50, ttl: 50, topic: topics[index % topics.count],
                 data: [UInt8(index & 0xFF), UInt8(index >> 8)], nonce: UInt64(index))
    }
    _ = try! store.ingestAndWait(envelopes)
    atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "mailvault-fuzz-paging-\(getpid())") }
    return (store, topics)
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStorePaging(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard bytes.count >= 5 else { return 0 }
    let (store, topics) = pagingStore
    let from = 990 + UInt32(bytes[0] % 60)
    let to = from + UInt32(bytes[1] % 60)
    let limit = 1 + Int(bytes[2] % 40)
    let chosen = topics.enumerated().filter { bytes[3] & (1 << $0.offset) != 0 }.map(\.element)
    let bloom: Bloom? = bytes[4] & 0x80 != 0 ? Bloom(topics: chosen.prefix(2)) : nil
    let whole = HistoryQuery(from: from, to: to, topics: bloom == nil ? chosen : [], bloom: bloom, limit: HistoryQuery.maximumLimit)
    let expected = try! store.query(whole)
    precondition(expected.next == nil, "300 envelopes fit in one page of 1000")
    var paged: [Hash256] = []
    var hashed: [Hash256] = []
    var query = whole
    query.limit = limit
    var hashQuery = query
    // Envelopes here encode to under 20 bytes: a budget of 1-255 bytes holds one to a dozen.
    let budget = bytes.count > 5 && bytes[5] & 0x80 != 0 ? 1 + Int(bytes[5] & 0x7F) * 2 : nil
    query.maximumBytes = budget
    for _ in 0...300 {
        let page = try! store.query(query)
        precondition(page.envelopes.count <= limit)
        if let budget, page.envelopes.count > 1 {
            precondition(page.envelopes.reduce(0) { $0 + $1.encoded.count } <= budget, "a page passes its byte budget")
        }
        paged += page.entries.map(\.hash)
        guard let next = page.next else { break }
        query.cursor = next
    }
    for _ in 0...300 {
        let page = try! store.hashes(hashQuery)
        hashed += page.entries.map(\.hash)
        guard let next = page.next else { break }
        hashQuery.cursor = next
    }
    let expectedHashes = expected.entries.map(\.hash)
    precondition(paged == expectedHashes, "pages do not concatenate to the unpaged answer")
    precondition(hashed == expectedHashes, "hashes-only pages differ from the envelope pages")
    precondition(expected.entries.allSatisfy { $0.envelope.map(EnvelopeKey.init) == $0.key }, "an entry's key is not its envelope's")
    let keys = expected.keys
    precondition(keys == keys.sorted(), "the answer is not in (sent, hash) order")
    precondition(expected.envelopes.allSatisfy { (from...to).contains($0.sentTime) })
    return 0
}
