import MailvaultCore

/// Messages-packet decoding (an RLP list of envelopes). Differential: encodePacket(decodePacket(b))
/// is b, and batch PoW checks equal one-by-one checks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPacket(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let envelopes = try? Envelope.decodePacket(input) else { return 0 }
    precondition(Envelope.encodePacket(envelopes) == input, "decode -> encode is not the identity")
    precondition(Envelope.checkWork(batch: envelopes) == envelopes.map { $0.checkWork() }, "batch != single")
    return 0
}
