import CMailvaultHeader
import MailvaultCore

/// `mv_envelope_decode`: strict decode of one envelope into a new handle. The fuzzing entry
/// point: no input makes it trap. Any thread.
@_cdecl("mv_envelope_decode")
public func mv_envelope_decode(_ bytes: UnsafePointer<UInt8>?, _ length: Int,
                               _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    runCall { () throws(CAPIError) in
        let out = try Arguments.output(out, "out")
        let input = try Arguments.bytes(bytes, count: length, "bytes")
        out.pointee = Handles.make(try EnvelopeHandle.decode(input))
    }
}

/// `mv_envelope_free`: releases an envelope handle; NULL is ignored.
@_cdecl("mv_envelope_free")
public func mv_envelope_free(_ envelope: OpaquePointer?) {
    guard let envelope else { return }
    Handles.release(envelope, as: EnvelopeHandle.self)
}

/// `mv_envelope_get_fields`: the fields, with pointers borrowed from the handle. Any thread.
@_cdecl("mv_envelope_get_fields")
public func mv_envelope_get_fields(_ envelope: OpaquePointer?, _ out: UnsafeMutablePointer<mv_envelope_fields>?) -> Int32 {
    runCall { () throws(CAPIError) in
        let handle = try Arguments.handle(envelope, as: EnvelopeHandle.self, "envelope")
        try Arguments.output(out, "out").pointee = handle.fields
    }
}

/// `mv_envelope_hash`: keccak256 of the encoding, 32 bytes. Any thread.
@_cdecl("mv_envelope_hash")
public func mv_envelope_hash(_ envelope: OpaquePointer?, _ outHash: UnsafeMutablePointer<UInt8>?) -> Int32 {
    runCall { () throws(CAPIError) in
        let handle = try Arguments.handle(envelope, as: EnvelopeHandle.self, "envelope")
        let out = try Arguments.output(outHash, "out_hash")
        UnsafeMutableRawPointer(out).copyBytes(handle.envelope.hash.bytes)
    }
}

/// `mv_envelope_work`: both hashes and the PoW. Any thread.
@_cdecl("mv_envelope_work")
public func mv_envelope_work(_ envelope: OpaquePointer?, _ out: UnsafeMutablePointer<mv_work>?) -> Int32 {
    runCall { () throws(CAPIError) in
        let handle = try Arguments.handle(envelope, as: EnvelopeHandle.self, "envelope")
        try Arguments.output(out, "out").pointee = mv_work(handle.envelope.checkWork())
    }
}

/// `mv_envelope_bloom`: the topic's 64-byte bloom. Any thread.
@_cdecl("mv_envelope_bloom")
public func mv_envelope_bloom(_ envelope: OpaquePointer?, _ outBloom: UnsafeMutablePointer<UInt8>?) -> Int32 {
    runCall { () throws(CAPIError) in
        let handle = try Arguments.handle(envelope, as: EnvelopeHandle.self, "envelope")
        let out = try Arguments.output(outBloom, "out_bloom")
        UnsafeMutableRawPointer(out).copyBytes(handle.envelope.bloom.bytes)
    }
}

/// `mv_verify_batch`: decodes every item, then hashes all valid ones together in SIMD lanes
/// (`Envelope.checkWork(batch:)`). Per-item status; the call fails only on bad arguments.
@_cdecl("mv_verify_batch")
public func mv_verify_batch(_ envelopes: UnsafePointer<UnsafePointer<UInt8>?>?, _ lengths: UnsafePointer<Int>?,
                            _ count: Int, _ results: UnsafeMutablePointer<mv_work>?) -> Int32 {
    runCall { () throws(CAPIError) in
        let inputs = try Arguments.batch(envelopes, lengths: lengths, count: count, "envelopes")
        guard !inputs.isEmpty else { return }
        let results = try Arguments.output(results, "results")
        var decoded: [Envelope] = []
        var positions: [Int] = []
        decoded.reserveCapacity(inputs.count)
        positions.reserveCapacity(inputs.count)
        for (index, input) in inputs.enumerated() {
            if let envelope = try? Envelope(decoding: Array(input)) {
                decoded.append(envelope)
                positions.append(index)
            } else {
                var failed = mv_work()
                failed.status = MV_ERR_DECODE
                results[index] = failed
            }
        }
        for (check, index) in zip(Envelope.checkWork(batch: decoded), positions) {
            results[index] = mv_work(check)
        }
    }
}
