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
