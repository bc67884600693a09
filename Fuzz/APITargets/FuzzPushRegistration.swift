import MailvaultAPI
import MailvaultCore

/// Push registration and deletion documents come from anyone who can reach the node. Whatever
/// parses must re-encode to a canonical form that parses back to the same value, and every URL
/// (The destination policy those URLs then meet is FuzzPushParsers' to fuzz.)
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let body = try? PushRegistrationBody(json: bytes) {
        guard let again = try? PushRegistrationBody(json: body.json) else {
            preconditionFailure("a parsed registration does not re-parse from its canonical form")
        }
        precondition(again == body, "a registration changed on its way through its canonical form")
    }
    if let deletion = try? PushDeletionBody(json: bytes) {
        precondition((try? PushDeletionBody(json: deletion.json)) == deletion, "a deletion does not round-trip")
    }
    return 0
}
