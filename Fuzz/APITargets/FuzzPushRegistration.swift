import MailvaultAPI
import MailvaultCore

/// Push registration and deletion documents come from anyone who can reach the node. Whatever
/// parses must re-encode to a canonical form that parses back to the same value, and every URL
/// it names must survive the destination checks (which may refuse it, never crash).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let body = try? PushRegistrationBody(json: bytes) {
        guard let again = try? PushRegistrationBody(json: body.json) else {
            preconditionFailure("a parsed registration does not re-parse from its canonical form")
        }
        precondition(again == body, "a registration changed on its way through its canonical form")
        if let url = body.target.clientURL {
            _ = try? PushURL.check(url, field: "url", allowHosts: [])
        }
    }
    if let deletion = try? PushDeletionBody(json: bytes) {
        precondition((try? PushDeletionBody(json: deletion.json)) == deletion, "a deletion does not round-trip")
    }
    if let text = String(validating: bytes, as: UTF8.self), let address = IPAddressText(text) {
        _ = address.nonPublicRange
        precondition(IPAddressText(bytes: address.bytes) == address)
    }
    return 0
}
