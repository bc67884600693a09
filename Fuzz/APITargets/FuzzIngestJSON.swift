import MailvaultAPI
import MailvaultCore

/// The JSON body of `POST /v1/envelopes` (and of `POST /v1/presence`). What decodes must
/// re-encode to JSON that decodes to the same envelopes, and each envelope's RLP must pass the
/// strict decoder unchanged: the JSON path can never build an envelope the RLP path would refuse.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIngestJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? PresenceBody.decode(body)
    guard let envelopes = try? IngestBody.decodeJSON(body) else { return 0 }
    let items = envelopes.map { envelope in
        "{\"expiry\":\(envelope.expiry),\"ttl\":\(envelope.ttl),\"topic\":\"\(envelope.topic)\","
            + "\"data\":\"\(Hex.encode(envelope.data, prefix: true))\",\"nonce\":\(envelope.nonce)}"
    }
    let canonical = Array("{\"envelopes\":[\(items.joined(separator: ","))]}".utf8)
    guard let again = try? IngestBody.decodeJSON(canonical) else {
        preconditionFailure("the canonical JSON of decoded envelopes does not decode")
    }
    precondition(again == envelopes)
    for envelope in envelopes {
        guard let strict = try? Envelope(decoding: Array(envelope.encoded)) else {
            preconditionFailure("the JSON path built an envelope the RLP decoder refuses")
        }
        precondition(strict == envelope)
    }
    return 0
}
