import MailvaultCore

/// A provider's verified descriptor and the signed document it came in.
public struct ProviderIdentity: Sendable {
    /// The document as served (kind `descriptor`), verified.
    public let signed: SignedDocument
    /// Its content.
    public let descriptor: ProviderDescriptor

    /// Verifies `signed`: a `descriptor`, signed by the key and address it publishes.
    public init(signed: SignedDocument) throws(AccountabilityError) {
        guard signed.kind == "descriptor" else { throw .malformedDocument("expected a descriptor, got a \(signed.kind)") }
        try signed.verify()
        let descriptor = try signed.decode(ProviderDescriptor.self)
        guard let publicKey = try? Hex.decode(descriptor.publicKey), publicKey.count == 65,
              ProviderAddress(publicKey: publicKey) == signed.signer,
              descriptor.address.lowercased() == signed.signer.description else {
            throw .wrongSigner(claimed: descriptor.address, recovered: signed.signer.description)
        }
        self.signed = signed
        self.descriptor = descriptor
    }

    /// The provider's address.
    public var address: ProviderAddress { signed.signer }
}
