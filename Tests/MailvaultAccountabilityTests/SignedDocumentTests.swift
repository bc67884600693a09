import Foundation
import MailvaultAccountability
import MailvaultCore
import Testing

@Suite("SignedDocument")
struct SignedDocumentTests {
    static let key = try! ProviderKey(secret: Array(repeating: 0x11, count: 32))
    static let other = try! ProviderKey(secret: Array(repeating: 0x22, count: 32))
    static let document = Array(#"{"count":3,"endpoint":"hashes","note":"a/b é"}"#.utf8)

    @Test func jsonRoundTripKeepsTheExactBytesAndVerifies() throws {
        let signed = SignedDocument(kind: "receipt", document: SignedDocumentTests.document, key: SignedDocumentTests.key)
        try signed.verify()
        let parsed = try SignedDocument(json: signed.json)
        #expect(parsed == signed)
        #expect(parsed.document == SignedDocumentTests.document)
        try parsed.verify()
        #expect(parsed.signer == SignedDocumentTests.key.address)
    }

    /// Documents signed in a batch keep their own document, share one signature, carry different
    /// paths, and survive the JSON round trip; a document moved to another's path fails.
    @Test(arguments: [2, 3, 7, 16])
    func batchSignedDocumentsVerifyOneByOne(size: Int) throws {
        let documents = (0..<size).map { Array(#"{"count":\#($0)}"#.utf8) }
        let digests = documents.map { SignedDocument.digest(kind: "receipt", document: $0) }
        let (signature, paths) = SignatureBatch.sign(digests, key: SignedDocumentTests.key)
        let signed = zip(documents, paths).map {
            SignedDocument(kind: "receipt", document: $0, signature: signature, signer: SignedDocumentTests.key.address, path: $1)
        }
        // A tree of n leaves is floor(log2 n) to ceil(log2 n) levels deep.
        let depths = Int(log2(Double(size)).rounded(.down))...Int(log2(Double(size)).rounded(.up))
        #expect(paths.allSatisfy { depths.contains($0.count) })
        for document in signed {
            try document.verify()
            let parsed = try SignedDocument(json: document.json)
            #expect(parsed == document)
            try parsed.verify()
        }
        let moved = SignedDocument(kind: "receipt", document: documents[0], signature: signature,
                                   signer: SignedDocumentTests.key.address, path: paths[1])
        #expect(throws: AccountabilityError.self) { try moved.verify() }
    }

    @Test(arguments: [
        #"[{"up":"0x00"}]"#, #"[{"left":"0x00"}]"#, #"{"left":"0x\#(String(repeating: "00", count: 32))"}"#,
        #"[{"left":"0x\#(String(repeating: "00", count: 32))","right":"0x\#(String(repeating: "00", count: 32))"}]"#,
    ])
    func malformedPathsAreNamed(path: String) throws {
        let signed = SignedDocument(kind: "receipt", document: SignedDocumentTests.document, key: SignedDocumentTests.key)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(signed.json)) as? [String: Any])
        object["path"] = try JSONSerialization.jsonObject(with: Data(path.utf8), options: .fragmentsAllowed)
        #expect(throws: AccountabilityError.self) { try SignedDocument(object: object) }
    }

    @Test func signingIsDeterministic() {
        let a = SignedDocument(kind: "descriptor", document: SignedDocumentTests.document, key: SignedDocumentTests.key)
        let b = SignedDocument(kind: "descriptor", document: SignedDocumentTests.document, key: SignedDocumentTests.key)
        #expect(a.signature == b.signature)
    }

    /// The JSON object of a signed document with one field replaced.
    func edited(_ signed: SignedDocument, _ field: String, _ value: String) throws -> SignedDocument {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(signed.json)) as? [String: Any])
        object[field] = value
        return try SignedDocument(object: object)
    }

    @Test func tamperedDocumentSignatureSignerOrKindIsRejected() throws {
        let signed = SignedDocument(kind: "receipt", document: SignedDocumentTests.document, key: SignedDocumentTests.key)
        let text = String(decoding: SignedDocumentTests.document, as: UTF8.self)
        var signature = signed.signature.bytes
        signature[10] ^= 0x01
        var flippedRecovery = signed.signature.bytes
        flippedRecovery[64] ^= 0x01
        let cases: [SignedDocument] = [
            try edited(signed, "document", text.replacingOccurrences(of: "3", with: "4")),
            try edited(signed, "document", text + " "),
            try edited(signed, "signature", Hex.encode(signature, prefix: true)),
            try edited(signed, "signature", Hex.encode(flippedRecovery, prefix: true)),
            try edited(signed, "signer", SignedDocumentTests.other.address.description),
            try edited(signed, "kind", "descriptor"),
        ]
        for tampered in cases {
            #expect(throws: AccountabilityError.self) { try tampered.verify() }
        }
    }

    @Test func anotherKeysSignatureNamesTheRealSigner() throws {
        let honest = SignedDocument(kind: "receipt", document: SignedDocumentTests.document, key: SignedDocumentTests.other)
        let forged = try edited(honest, "signer", SignedDocumentTests.key.address.description)
        #expect(throws: AccountabilityError.wrongSigner(claimed: SignedDocumentTests.key.address.description,
                                                        recovered: SignedDocumentTests.other.address.description)) {
            try forged.verify()
        }
    }

    @Test(arguments: [
        #"[]"#, #"{"kind":"receipt"}"#, #"{"kind":"receipt","document":"{}","signature":"0x00","signer":"0x00"}"#,
        #"{"kind":"receipt","document":"{}","signature":"0x\#(String(repeating: "00", count: 65))","signer":"0x1234"}"#,
        "not json",
    ])
    func malformedJSONIsNamed(text: String) {
        #expect(throws: AccountabilityError.self) { try SignedDocument(json: Array(text.utf8)) }
    }

    @Test func invalidSecretKeysAreRefused() {
        let order = try! Hex.decode("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
        for secret in [[UInt8](repeating: 0, count: 32), order, [UInt8](repeating: 1, count: 31)] {
            #expect(throws: AccountabilityError.invalidSecretKey) { try ProviderKey(secret: secret) }
        }
    }

    @Test func malformedSignaturesDoNotRecover() {
        #expect(RecoverableSignature(bytes: [UInt8](repeating: 1, count: 64)) == nil)
        #expect(RecoverableSignature(bytes: [UInt8](repeating: 1, count: 64) + [4]) == nil)
        let zero = RecoverableSignature(bytes: [UInt8](repeating: 0, count: 65))!
        #expect(throws: AccountabilityError.invalidSignature) { try zero.recover(digest: .zero) }
    }

    @Test func keyFileIsCreatedOwnerOnlyAndReloaded() throws {
        let path = NSTemporaryDirectory() + "mailvault-key-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let created = try ProviderKey.load(path: path, create: true)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode & 0o077 == 0)
        #expect(try ProviderKey.load(path: path, create: false).address == created.address)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(throws: AccountabilityError.self) { try ProviderKey.load(path: path, create: false) }
    }
}
