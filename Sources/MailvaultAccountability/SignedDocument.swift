import Foundation
import MailvaultAPI
import MailvaultCore

/// A JSON document signed by a provider: the signature covers the document's exact bytes, so
/// verifiers never need to re-serialise anything.
///
/// The digest is `keccak256("mailvault/v1/" ++ kind ++ 0x00 ++ document)`: the domain prefix and
/// the kind keep a signature over one kind of document (a receipt) from being replayed as
/// another (a descriptor), or as an Ethereum transaction or message.
///
/// A document signed alone carries a signature over its digest. A document signed in a batch
/// (a busy server signs the receipts of many pages at once) carries a `path` of sibling hashes
/// from its digest to the root of the batch's Merkle tree (`SignatureBatch`), and the signature
/// is over that root.
public struct SignedDocument: Sendable, Equatable {
    /// What the document is: `descriptor`, `receipt` or `checkpoint`.
    public let kind: String
    /// The document, UTF-8 JSON, exactly as signed.
    public let document: [UInt8]
    /// The provider's signature over `digest`.
    public let signature: RecoverableSignature
    /// The address that claims to have signed.
    public let signer: ProviderAddress
    /// From the digest to the signed root when the document was signed in a batch; empty when
    /// the signature is over the digest itself.
    public let path: [SignatureBatch.Step]

    /// The digest a provider signs for `document` of `kind`.
    public static func digest(kind: String, document: [UInt8]) -> Hash256 {
        var hasher = Keccak256()
        // "mailvault/v1/" ++ kind ++ NUL ++ document, without building the prefix as a string.
        hasher.update("mailvault/v1/".utf8)
        var kind = kind
        kind.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) }
        hasher.update(CollectionOfOne(UInt8(0)))
        hasher.update(document)
        return hasher.finalize()
    }

    /// Signs `document` with `key`.
    public init(kind: String, document: [UInt8], key: ProviderKey) {
        self.kind = kind
        self.document = document
        signature = key.sign(digest: SignedDocument.digest(kind: kind, document: document))
        signer = key.address
        path = []
    }

    /// A document signed in a batch: `signature` is `signer`'s over the root that `path` leads
    /// to from the document's digest (`SignatureBatch`).
    public init(kind: String, document: [UInt8], signature: RecoverableSignature, signer: ProviderAddress,
                path: [SignatureBatch.Step]) {
        self.kind = kind
        self.document = document
        self.signature = signature
        self.signer = signer
        self.path = path
    }

    /// What the signature is over: the digest, or the batch root its path leads to.
    public var signedHash: Hash256 {
        SignatureBatch.root(of: SignedDocument.digest(kind: kind, document: document), path: path)
    }

    /// Checks that `signature` over the document (or its batch root) recovers to `signer`.
    public func verify() throws(AccountabilityError) {
        let recovered = try signature.signer(digest: signedHash)
        guard recovered == signer else { throw .wrongSigner(claimed: "\(signer)", recovered: "\(recovered)") }
    }

    /// `{"document","kind","path","signature","signer"}` (sorted keys), the document as a JSON
    /// string; `path` (`[{"left":"0x…"},{"right":"0x…"}…]`) only when the document was signed in
    /// a batch.
    public var json: [UInt8] {
        var out = JSONBuffer(capacity: document.count * 9 / 8 + kind.utf8.count + 260 + 80 * path.count)
        out.raw("{\"document\":")
        document.withUnsafeBufferPointer { out.string(utf8: $0) }
        out.raw(",\"kind\":")
        out.string(kind)
        if !path.isEmpty {
            out.raw(",\"path\":[")
            for (index, step) in path.enumerated() {
                out.raw(index == 0 ? "{" : ",{")
                out.raw(step.side == .left ? "\"left\":" : "\"right\":")
                step.hash.withBytes { out.hex($0) }
                out.raw("}")
            }
            out.raw("]")
        }
        out.raw(",\"signature\":")
        out.hex(signature.bytes)
        out.raw(",\"signer\":")
        out.hex(signer.bytes)
        out.raw("}")
        return out.bytes
    }

    /// Parses the form `json` writes (no signature check: call `verify()`).
    public init(json: [UInt8]) throws(AccountabilityError) {
        let body: SignedDocumentBody
        do {
            body = try AnswerBody.signedDocument(json)
        } catch {
            throw .malformedDocument(error.message)
        }
        try self.init(body: body)
    }

    /// An already decoded JSON object, read through the same decoder as `init(json:)`.
    public init(object: [String: Any]) throws(AccountabilityError) {
        guard JSONSerialization.isValidJSONObject(object), let data = try? JSONSerialization.data(withJSONObject: object) else {
            throw .malformedDocument("not a JSON object")
        }
        try self.init(json: Array(data))
    }

    /// The document of a decoded wire form, its signature and signer checked for shape.
    public init(body: SignedDocumentBody) throws(AccountabilityError) {
        guard let bytes = try? Hex.decode(body.signature), let signature = RecoverableSignature(bytes: bytes) else {
            throw .malformedDocument("the signature is not 65 bytes of hex")
        }
        kind = body.kind
        document = Array(body.document.utf8)
        self.signature = signature
        signer = try ProviderAddress(hex: body.signer)
        path = try SignatureBatch.path(body.path)
    }

    /// The document decoded as `T`.
    public func decode<T: Decodable>(_ type: T.Type) throws(AccountabilityError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(document))
        } catch {
            throw .malformedDocument("the \(kind) does not decode: \(error)")
        }
    }

    /// Encodes a document deterministically (sorted keys) for signing.
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(value)) ?? Data())
    }
}
