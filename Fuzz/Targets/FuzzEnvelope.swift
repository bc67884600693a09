import MailvaultCore

/// Envelope decoding. Differential: a decoded envelope re-encodes to the input from its fields,
/// its encoding is the input, and its PoW check is the same alone, in a batch on every kernel,
/// and computed from the scalar sponge.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEnvelope(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let envelope = try? Envelope(decoding: input) else { return 0 }
    precondition(Array(envelope.encoded) == input)
    let rebuilt = Envelope(expiry: envelope.expiry, ttl: envelope.ttl, topic: envelope.topic,
                           data: envelope.data, nonce: envelope.nonce)
    precondition(Array(rebuilt.encoded) == input, "decode -> encode is not the identity")
    let single = envelope.checkWork()
    var scalar = Keccak256(kernel: .scalar)
    scalar.update(input)
    precondition(single.hash == scalar.finalize())
    for kernel in KeccakKernel.available {
        precondition(Envelope.checkWork(batch: [envelope], kernel: kernel) == [single], "batch != single on \(kernel)")
    }
    precondition(envelope.pow() == single.pow() || (envelope.ttl == 0))
    return 0
}
