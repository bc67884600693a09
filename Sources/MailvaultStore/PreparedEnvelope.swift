import MailvaultCore

/// An envelope ready for the write transaction: its key and its record are computed on the
/// caller's thread, so the single writer only copies bytes.
struct PreparedEnvelope: Sendable {
    let key: EnvelopeKey
    let topic: Topic
    let pow: Float
    let rawLength: Int
    let record: [UInt8]
}
