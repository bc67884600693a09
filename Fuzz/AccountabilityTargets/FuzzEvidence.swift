import Foundation
import MailvaultAccountability
import MailvaultCore

/// Evidence files and signed documents come from strangers (a user accusing a provider, a
/// provider's answers). Whatever parses must survive `check()` and `verify()` without crashing,
/// give the same verdict twice, and re-encode to a form that parses back to the same value;
/// descriptors and their push offers are read by the same strict parsers clients use.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEvidence(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let document = try? SignedDocument(json: bytes) {
        _ = try? document.verify()
        guard let again = try? SignedDocument(json: document.json) else {
            preconditionFailure("a parsed signed document does not re-parse")
        }
        precondition(again == document)
        _ = try? document.decode(QueryReceipt.self)
        _ = try? document.decode(ProviderDescriptor.self)
    }
    // A push offer (a descriptor's `push` member, GET /v1/push) that parses is valid, and the
    // node's own encoding of it parses back to the same offer.
    if let offer = try? JSONDecoder().decode(PushOffer.self, from: Data(bytes)) {
        precondition((try? offer.check()) != nil, "a parsed offer breaks its own rules")
        guard let again = try? JSONDecoder().decode(PushOffer.self, from: Data(SignedDocument.encode(offer))) else {
            preconditionFailure("a parsed push offer does not re-parse")
        }
        precondition(again == offer)
    }
    if let evidence = try? OmissionEvidence(json: bytes) {
        let verdict = evidence.check()
        precondition(evidence.check() == verdict, "the verdict changed between two checks")
        guard let again = try? OmissionEvidence(json: evidence.json) else {
            preconditionFailure("parsed evidence does not re-parse")
        }
        precondition(again.check() == verdict)
        precondition(again.keys == evidence.keys && again.envelope == evidence.envelope)
    }
    return 0
}
