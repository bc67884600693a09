import MailvaultAPI
import MailvaultCore

/// A provider's answers as a client reads them (hostile until checked): hashes pages, envelope
/// pages, checkpoint lists, directories and signed documents. Whatever is accepted must hold checked values
/// (each envelope hashes to the hash it came with), and a page written back by the server's own
/// encoder must read back to the same entries and cursor.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAnswerBody(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    if let answer = try? AnswerBody.hashes(body) {
        let again = try! AnswerBody.hashes(APIResponseBody.hashes(answer.page))
        precondition(again.page.entries == answer.page.entries && again.page.next == answer.page.next)
        precondition(answer.receipt.map { $0.path.count <= SignedDocumentBody.maximumPathSteps } ?? true)
    }
    if let answer = try? AnswerBody.envelopes(body) {
        for entry in answer.page.entries {
            let envelope = entry.envelope!
            precondition(envelope.hash == entry.key.hash && envelope.sentTime == entry.key.sent)
        }
        let again = try! AnswerBody.envelopes(APIResponseBody.envelopes(answer.page))
        precondition(again.page.entries == answer.page.entries && again.page.next == answer.page.next)
    }
    if let listed = try? AnswerBody.directory(body) {
        precondition(listed.count <= AnswerBody.maximumDirectoryEntries)
        precondition(listed.allSatisfy { $0.path.count <= SignedDocumentBody.maximumPathSteps })
    }
    _ = try? AnswerBody.checkpoints(body)
    _ = try? AnswerBody.signedDocument(body)
    return 0
}
