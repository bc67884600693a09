import MailvaultAccountability
import MailvaultCore

/// The `Mailvault-Signature` header comes from anyone who sends a request to a node selling
/// subscriptions. Whatever parses must survive `verify` without crashing and re-encode to a
/// header that parses back to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestSignature(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let text = String(validating: bytes, as: UTF8.self), let signature = try? RequestSignature(header: text) else { return 0 }
    guard let again = try? RequestSignature(header: signature.header) else {
        preconditionFailure("a parsed header does not re-parse from its canonical form")
    }
    precondition(again == signature, "a header changed on its way through its canonical form")
    _ = try? signature.verify(method: "GET", path: "/v1/envelopes", query: "topics=0x01020304", now: signature.time)
    return 0
}
