import Foundation
import MailvaultAccountability
import MailvaultCore
import Testing

/// Loads `Vectors/signatures.json`, written by `Scripts/vectors/make_signature_vectors.py` with
/// coincurve and eth-keys' pure-Python backend (which agree on every signature there).
enum SignatureVectors {
    struct Key: Decodable {
        let secret: String
        let publicKey: String
        let address: String
    }

    struct Signature: Decodable {
        let secret: String
        let kind: String
        let document: String
        let digest: String
        let signature: String
        let address: String
    }

    struct Chain: Decodable {
        let keys: [String]
        let commitment: String
    }

    struct Signed: Codable {
        let kind: String
        let document: String
        let signature: String
        let signer: String
        let path: [[String: String]]?
    }

    struct Batch: Decodable {
        let secret: String
        let root: String
        let documents: [Signed]
    }

    struct Evidence: Codable {
        var name: String?
        let receipt: Signed
        let keys: [String]
        let envelope: String

        /// The evidence's JSON file form, re-serialised from the vector.
        var json: [UInt8] {
            struct File: Encodable {
                let receipt: Signed
                let keys: [String]
                let envelope: String
            }
            return Array((try? JSONEncoder().encode(File(receipt: receipt, keys: keys, envelope: envelope))) ?? Data())
        }
    }

    struct File: Decodable {
        let keys: [Key]
        let signatures: [Signature]
        let chains: [Chain]
        let commitments: [Chain]
        let batches: [Batch]
        let evidence: Evidence
        let rejections: [Evidence]
    }

    static let file: File = {
        guard let url = Bundle.module.url(forResource: "signatures", withExtension: "json", subdirectory: "Vectors"),
              let data = try? Data(contentsOf: url), let file = try? JSONDecoder().decode(File.self, from: data) else {
            preconditionFailure("Vectors/signatures.json is missing or does not decode")
        }
        return file
    }()
}

@Suite("secp256k1 keys, digests and signatures against coincurve / eth-keys")
struct SignatureVectorTests {
    @Test(arguments: SignatureVectors.file.keys.indices)
    func publicKeyAndAddress(index: Int) throws {
        let vector = SignatureVectors.file.keys[index]
        let key = try ProviderKey(secret: Hex.decode(vector.secret))
        #expect(Hex.encode(key.publicKey, prefix: true) == vector.publicKey)
        #expect(key.address.description == vector.address)
        #expect(ProviderAddress(publicKey: try Hex.decode(vector.publicKey)) == key.address)
    }

    @Test(arguments: SignatureVectors.file.signatures.indices)
    func digestSignatureAndRecovery(index: Int) throws {
        let vector = SignatureVectors.file.signatures[index]
        let document = try Hex.decode(vector.document)
        let digest = SignedDocument.digest(kind: vector.kind, document: document)
        #expect(digest.description == vector.digest)
        let key = try ProviderKey(secret: Hex.decode(vector.secret))
        let signature = key.sign(digest: digest)
        #expect(signature.description == vector.signature)
        let theirs = try #require(RecoverableSignature(bytes: Hex.decode(vector.signature)))
        #expect(try theirs.recover(digest: digest) == key.publicKey)
        #expect(try theirs.signer(digest: digest).description == vector.address)
        let signed = SignedDocument(kind: vector.kind, document: document, key: key)
        #expect(signed.signature == theirs)
        try signed.verify()
    }

    @Test(arguments: SignatureVectors.file.chains.indices)
    func receiptCommitment(index: Int) throws {
        let vector = SignatureVectors.file.chains[index]
        let keys = try OmissionEvidence.keys(vector.keys)
        #expect(ReceiptCommitment.chain(keys).description == vector.commitment)
    }

    @Test(arguments: SignatureVectors.file.commitments.indices)
    func receiptCommitmentVersion2(index: Int) throws {
        let vector = SignatureVectors.file.commitments[index]
        let keys = try OmissionEvidence.keys(vector.keys)
        #expect(ReceiptCommitment.keys(keys).description == vector.commitment)
        #expect(ReceiptCommitment.commitment(keys, version: 2)?.description == vector.commitment)
        #expect(ReceiptCommitment.commitment(keys, version: 3) == nil)
    }

    /// Python's Merkle tree and signature over a batch: every document verifies with its path, and
    /// Swift's tree over the same digests gives the same root, paths and signature.
    @Test(arguments: SignatureVectors.file.batches.indices)
    func batchSignatures(index: Int) throws {
        let vector = SignatureVectors.file.batches[index]
        let documents = try vector.documents.map { signed in
            try SignedDocument(json: Array(JSONEncoder().encode(signed)))
        }
        for document in documents {
            try document.verify()
            #expect(document.signedHash.description == vector.root)
        }
        let digests = documents.map { SignedDocument.digest(kind: $0.kind, document: $0.document) }
        let (root, paths) = SignatureBatch.tree(digests)
        #expect(root.description == vector.root)
        #expect(paths == documents.map(\.path))
        let key = try ProviderKey(secret: Hex.decode(vector.secret))
        let (signature, _) = SignatureBatch.sign(digests, key: key)
        #expect(documents.allSatisfy { $0.signature == signature })
        // A path is part of what is signed: any other path, or none, fails.
        if let first = documents.first, let step = first.path.first {
            let flipped = SignatureBatch.Step(side: step.side == .left ? .right : .left, hash: step.hash)
            let forged = SignedDocument(kind: first.kind, document: first.document, signature: first.signature,
                                        signer: first.signer, path: [flipped] + first.path.dropFirst())
            #expect(throws: AccountabilityError.self) { try forged.verify() }
        }
    }

    @Test func pythonSignedReceiptVerifiesAndProvesItsOmission() throws {
        let vector = SignatureVectors.file.evidence
        let evidence = try OmissionEvidence(json: vector.json)
        try evidence.receipt.verify()
        #expect(!evidence.receipt.path.isEmpty, "the vector's receipt was signed in a batch")
        let receipt = try evidence.receipt.decode(QueryReceipt.self)
        #expect(receipt.version == 2)
        #expect(receipt.commitment == ReceiptCommitment.keys(evidence.keys).description)
        #expect(receipt.provider == evidence.receipt.signer.description)
        let verdict = evidence.check()
        #expect(verdict.proven, "\(verdict.reason)")
        #expect(verdict.envelope == evidence.envelope.hash.description)
    }

    @Test(arguments: SignatureVectors.file.rejections.indices)
    func pythonMadeDefectsAreRefused(index: Int) throws {
        let vector = SignatureVectors.file.rejections[index]
        let evidence = try OmissionEvidence(json: vector.json)
        let verdict = evidence.check()
        #expect(!verdict.proven, "\(vector.name ?? "") was accepted")
    }
}
