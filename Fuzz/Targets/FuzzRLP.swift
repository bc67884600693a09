import MailvaultCore

/// Strict RLP decoding of arbitrary bytes. Differential: whatever decodes is canonical, so
/// encoding the tree again must give back exactly the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRLP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = try? RLPValue(decoding: input) else { return 0 }
    precondition(value.encoded == input, "decode -> encode is not the identity")
    return 0
}
