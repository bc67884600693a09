import MailvaultCore

/// SIMD lanes against scalar Keccak on arbitrary messages: the input is cut into messages whose
/// lengths come from its own bytes, then hashed in a batch on every kernel, one by one on every
/// one-lane kernel, and incrementally in uneven pieces on the scalar sponge.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKeccakLanes(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    var messages: [UnsafeRawBufferPointer] = []
    var offset = 0
    while offset < size {
        let length = min(Int(input[offset]) * 3, size - offset - 1)
        messages.append(UnsafeRawBufferPointer(rebasing: input[(offset + 1)..<(offset + 1 + length)]))
        offset += 1 + length
    }
    let expected = messages.map { message -> Hash256 in
        var hasher = Keccak256(kernel: .scalar)
        var rest = message[...]
        while !rest.isEmpty {
            let piece = rest.prefix(Int(rest.first ?? 1) % 150 + 1)
            hasher.update(UnsafeRawBufferPointer(rebasing: piece))
            rest = rest.dropFirst(piece.count)
        }
        return hasher.finalize()
    }
    for kernel in KeccakKernel.available {
        precondition(Keccak256.hash(batch: messages, kernel: kernel) == expected, "batch differs on \(kernel)")
        if kernel.lanes == 1 {
            for (message, hash) in zip(messages, expected) {
                var hasher = Keccak256(kernel: kernel)
                hasher.update(message)
                precondition(hasher.finalize() == hash, "single stream differs on \(kernel)")
            }
        }
    }
    return 0
}
