// Hostile Negentropy messages: the parser, a stateless responder and an initiator over a small
// in-memory index (300 items, many sharing a timestamp). Whatever parses re-encodes to a message
// that parses to the same ranges; every answer parses under the same limits and stays within
// the frame size limit.
import MailvaultCore
import MailvaultSync

let limits = SyncLimits(maxMessageBytes: 1 << 16, maxRanges: 4096, maxIdsPerList: 1000)

let index: SortedSyncIndex = {
    var state: UInt64 = 0x5EED
    func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 11
    }
    return SortedSyncIndex((0..<300).map { _ in
        SyncItem(timestamp: 1000 + next() % 40, id: Hash256(w0: next(), w1: next(), w2: next(), w3: next()))
    })
}()

let plain = try! Reconciler(index: index, options: ReconcilerOptions(maxSplitsPerMessage: 64, limits: limits))
let framed = try! Reconciler(index: index, options: ReconcilerOptions(frameSizeLimit: 4096, limits: limits))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNegentropy(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))

    if let message = try? NegentropyMessage(bytes: bytes, limits: limits) {
        let again = try? NegentropyMessage(bytes: message.encode(), limits: .unlimited)
        precondition(again == message, "a parsed message does not survive encode and parse")
    }

    for responder in [plain, framed] {
        guard let answer = try? responder.respond(to: bytes) else { continue }
        if answer != [NegentropyMessage.version1] || bytes.first == NegentropyMessage.version1 {
            precondition((try? NegentropyMessage(bytes: answer, limits: limits)) != nil, "an answer does not parse")
        }
        if responder.options.frameSizeLimit != 0 {
            precondition(answer.count <= responder.options.frameSizeLimit, "an answer exceeds the frame size limit")
        }
    }

    var initiator = framed
    let window = SyncBound(timestamp: 1010)..<SyncBound(timestamp: 1030, prefix: [0x80])!
    if (try? initiator.initiate(from: window.lowerBound, to: window.upperBound)) != nil,
       let outcome = try? initiator.reconcile(bytes), let next = outcome.next {
        precondition(next.count <= 4096, "a next message exceeds the frame size limit")
        precondition((try? NegentropyMessage(bytes: next, limits: limits)) != nil, "a next message does not parse")
    }
    return 0
}
