import Foundation
import MailvaultCore
import Testing

@testable import MailvaultAccountability

/// The ABI encoder against the Solidity ABI specification's own examples, and the contract's
/// integer PoW rule against the float check it must never be more lenient than.
@Suite("Contract evidence")
struct ContractEvidenceTests {
    @Test func theSpecificationsExamplesEncodeAsPublished() {
        // "Examples" in the Solidity ABI specification: baz(uint32,bool) with 69, true.
        #expect(Hex.encode(ABIValue.call("baz(uint32,bool)", [.integer(UInt32(69)), .bool(true)]), prefix: false)
            == "cdcd77c0" + "0000000000000000000000000000000000000000000000000000000000000045"
            + "0000000000000000000000000000000000000000000000000000000000000001")
        // sam(bytes,bool,uint256[]) with "dave", true, [1, 2, 3].
        let sam = ABIValue.call("sam(bytes,bool,uint256[])", [
            .bytes(Array("dave".utf8)), .bool(true), .array([1, 2, 3].map { .integer(UInt64($0)) }),
        ])
        #expect(Hex.encode(sam, prefix: false) == "a5643bf2"
            + "0000000000000000000000000000000000000000000000000000000000000060"
            + "0000000000000000000000000000000000000000000000000000000000000001"
            + "00000000000000000000000000000000000000000000000000000000000000a0"
            + "0000000000000000000000000000000000000000000000000000000000000004"
            + "6461766500000000000000000000000000000000000000000000000000000000"
            + "0000000000000000000000000000000000000000000000000000000000000003"
            + "0000000000000000000000000000000000000000000000000000000000000001"
            + "0000000000000000000000000000000000000000000000000000000000000002"
            + "0000000000000000000000000000000000000000000000000000000000000003")
    }

    @Test(arguments: [
        ("0.2", 2, -1), ("2e-06", 2, -6), ("1e+16", 1, 16), ("0.07692307692307693", 7_692_307_692_307_693, -17),
        ("100.0", 1000, -1), ("0.0", 0, -1),
    ])
    func theMinimumsTextReadsAsTheContractReadsIt(text: String, mantissa: UInt64, exponent: Int) {
        let decimal = ContractEvidence.decimal(text)
        #expect(decimal?.mantissa == mantissa && decimal?.exponent == exponent)
    }

    @Test(arguments: ["", "1e", ".5", "1..2", "-1", "1,2", "0x10", "123456789012345678901"])
    func textTheContractRefusesIsRefused(text: String) {
        #expect(ContractEvidence.decimal(text) == nil)
    }

    @Test func theIntegerRuleIsNeverMoreLenientThanTheFloatCheck() {
        var generator = SystemRandomNumberGenerator()
        var accepted = 0
        for _ in 0..<3_000 {
            let zeros = Int.random(in: 0...40, using: &generator)
            let length = Int.random(in: 10...9000, using: &generator)
            let ttl = UInt32.random(in: 1...100_000, using: &generator)
            let float = ProofOfWork.value(leadingZeros: zeros, rlpWithoutNonceLength: length, ttl: ttl)
            // Minimums at, just below and just above the envelope's own PoW, as Swift prints them.
            for minimum in [float, float.nextDown, float.nextUp, float * 0.999_999_999, float * (1 - 1e-12)] {
                let text = "\(minimum)"
                guard let integer = ContractEvidence.powAtLeast(zeros: zeros, length: length, ttl: ttl, minimum: text) else {
                    Issue.record("'\(text)' did not parse")
                    continue
                }
                if integer {
                    accepted += 1
                    #expect(float >= Double(text)!, "\(zeros) \(length) \(ttl) \(text)")
                }
            }
        }
        #expect(accepted > 1_500)
        // Tiny minimums are rounded up to 10^-28, and any real envelope is above that.
        #expect(ContractEvidence.powAtLeast(zeros: 0, length: 9000, ttl: 4_000_000_000, minimum: "1e-40") == true)
        #expect(ContractEvidence.powAtLeast(zeros: 128, length: 10, ttl: 1, minimum: "1e+41") == false)
    }
}

/// Evidence the contract cannot take is refused with the reason, before any calldata is written.
@Suite("Contract evidence: what the contract cannot take")
struct ContractEvidenceRefusalTests {
    let key = ProviderKey.generate()
    let envelope = Envelope(expiry: 1_700_000_600, ttl: 600, topic: Topic(1, 2, 3, 4), data: [1], nonce: 0)
    let keys = [EnvelopeKey(sent: 1_699_999_990, hash: Keccak256.hash([1]))]

    func document(topics: Int = 1, gaps: Int = 0) -> [UInt8] {
        QueryReceipt.document(endpoint: "hashes", provider: key.address, descriptor: Keccak256.hash([3]), serverTime: 1_700_000_100,
                              query: HistoryQuery(from: 1_699_999_000, to: 1_700_000_100,
                                                  topics: (0..<topics).map { Topic(rawValue: UInt32($0 == 0 ? 0x0102_0304 : $0)) }),
                              keys: keys, next: nil,
                              coverage: Coverage(from: 1_699_000_000, maximumAge: 86400, minimumPoW: 0.2, newestIngest: nil,
                                                 gaps: (0..<gaps).map { [UInt32($0), UInt32($0)] }))
    }

    func evidence(_ document: [UInt8]) -> OmissionEvidence {
        OmissionEvidence(receipt: SignedDocument(kind: "receipt", document: document, key: key), keys: keys, envelope: envelope)
    }

    @Test func theServersFormIsTaken() throws {
        let contract = try ContractEvidence(evidence(document()))
        #expect(contract.minimumPoWText == "0.2")
        #expect(contract.check(grace: 60).proven == evidence(document()).check().proven)
    }

    /// The contract writes the minimum PoW back as the signed text, so any spelling of the number
    /// its grammar reads is taken as written.
    @Test func theMinimumIsTakenAsWritten() throws {
        let bytes = Array(String(decoding: document(), as: UTF8.self)
            .replacingOccurrences(of: "\"minimumPoW\":0.2", with: "\"minimumPoW\":2.0e-01").utf8)
        #expect(try ContractEvidence(evidence(bytes)).minimumPoWText == "2.0e-01")
    }

    @Test(arguments: [
        ("a space after the first brace", "the form Mailvault's server writes"),
        ("a negative minimum", "minimumPoW is not a number the contract reads"),
        ("65 topics", "more than 64 topics"),
        ("33 gaps", "more than 32 gaps"),
    ])
    func otherFormsAndSizesAreRefusedWithTheReason(change: String, reason: String) {
        var bytes = document()
        switch change {
        case "a space after the first brace": bytes.insert(UInt8(ascii: " "), at: 1)
        case "a negative minimum":
            bytes = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"minimumPoW\":0.2", with: "\"minimumPoW\":-0.2").utf8)
        case "65 topics": bytes = document(topics: 65)
        default: bytes = document(gaps: 33)
        }
        #expect(throws: ContractEvidenceError.self) { try ContractEvidence(evidence(bytes)) }
        do {
            _ = try ContractEvidence(evidence(bytes))
        } catch {
            #expect("\(error)".contains(reason), "\(error)")
        }
    }
}
