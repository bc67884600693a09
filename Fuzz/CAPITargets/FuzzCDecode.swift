import CMailvaultHeader
import Foundation
import MailvaultCore

/// The C API's decode entry point, as a Go or Nim mailserver calls it. Differential: it accepts
/// exactly what the Swift decoder accepts; an accepted envelope's borrowed encoding is the input,
/// and its PoW check equals `mv_verify_batch` on the same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCDecode(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let swiftAccepts = (try? Envelope(decoding: Array(UnsafeBufferPointer(start: data, count: size)))) != nil
    var handle: OpaquePointer?
    let status = mv_envelope_decode(data, size, &handle)
    precondition((status == MV_OK) == swiftAccepts, "C and Swift decoders disagree (status \(status))")
    guard status == MV_OK, let handle else { return 0 }
    defer { mv_envelope_free(handle) }
    var fields = mv_envelope_fields()
    precondition(mv_envelope_get_fields(handle, &fields) == MV_OK)
    precondition(fields.encoded_length == size && memcmp(fields.encoded, data, size) == 0)
    var single = mv_work()
    precondition(mv_envelope_work(handle, &single) == MV_OK)
    var batch = mv_work()
    var pointer: UnsafePointer<UInt8>? = data
    var length = size
    precondition(mv_verify_batch(&pointer, &length, 1, &batch) == MV_OK)
    precondition(batch.status == MV_OK)
    precondition(withUnsafeBytes(of: single.hash, { Array($0) }) == withUnsafeBytes(of: batch.hash, { Array($0) }))
    precondition(withUnsafeBytes(of: single.pow_hash, { Array($0) }) == withUnsafeBytes(of: batch.pow_hash, { Array($0) }))
    precondition(single.pow == batch.pow || single.pow.isNaN)
    return 0
}
