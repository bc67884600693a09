import MailvaultAccountability

/// A verified checkpoint and its signed form.
public struct SignedCheckpoint: Sendable {
    /// The document as served (kind `checkpoint`), verified.
    public let signed: SignedDocument
    /// Its content.
    public let checkpoint: Checkpoint
}
