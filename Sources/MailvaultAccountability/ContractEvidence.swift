import Foundation
import MailvaultCore

/// Omission evidence as the on-chain contracts take it (Contracts/, Docs/Incentives.md): the
/// ABI-encoded `ProviderRegistry.slash` call, the reporter's commitment, and the contract's
/// verdict decided here the way `OmissionVerifier.check` decides it.
///
/// The contract does not parse the receipt's JSON; it writes the document again from the fields
/// in the call and the key list, and recovers the signer from that. So only a receipt in the
/// exact form Mailvault's server writes (`QueryReceipt.document`) can be submitted, within the
/// contract's bounds; `init` refuses any other, saying why.
public struct ContractEvidence: Sendable {
    /// The contract's bounds (Contracts/receipt_document.vy, waku_envelope.vy, omission_evidence.vy).
    public static let maximumKeys = 1000
    public static let maximumEnvelope = 8192
    public static let maximumTopics = 64
    public static let maximumGaps = 32
    public static let maximumPath = 64
    public static let maximumPoWText = 32
    public static let maximumDocument = 4096
    public static let maximumEndpoint = 9

    /// `ProviderRegistry.slash`'s canonical signature, whose keccak256 starts the call.
    public static let slashSignature = "slash(address,(string,bytes32,uint32,uint32,uint32,uint32,bytes4[],bytes,bytes,bytes,"
        + "uint32,uint32[2][],uint32,string,bool,uint256,bool,uint32),(bytes32,bytes32,uint8),bytes32[],uint256,bytes,"
        + "bytes,address,bytes32)"
    /// `ProviderRegistry.commit`'s canonical signature.
    public static let commitSignature = "commit(bytes32)"

    /// The evidence as read from its file.
    public let evidence: OmissionEvidence
    /// The receipt's decoded fields.
    public let receipt: QueryReceipt
    /// The minimum PoW exactly as the signed document writes it.
    public let minimumPoWText: String

    /// Reads evidence for the contract; throws when the contract could not take it (the
    /// receipt is not in the canonical form, or something exceeds the contract's bounds).
    public init(_ evidence: OmissionEvidence) throws(ContractEvidenceError) {
        self.evidence = evidence
        let signed = evidence.receipt
        guard signed.kind == "receipt" else { throw .unsupported("the signed document is a \(signed.kind), not a receipt") }
        do {
            receipt = try signed.decode(QueryReceipt.self)
        } catch {
            throw .unsupported("\(error)")
        }
        guard receipt.version == 2 else { throw .unsupported("the contract reads receipts of version 2, not \(receipt.version)") }
        guard evidence.keys.count <= Self.maximumKeys else { throw .unsupported("the page has more than \(Self.maximumKeys) keys") }
        guard evidence.envelope.encoded.count <= Self.maximumEnvelope else {
            throw .unsupported("the envelope is larger than \(Self.maximumEnvelope) bytes")
        }
        guard receipt.query.topics.count <= Self.maximumTopics else { throw .unsupported("the query has more than \(Self.maximumTopics) topics") }
        guard receipt.coverage.gaps.count <= Self.maximumGaps, receipt.coverage.gaps.allSatisfy({ $0.count == 2 }) else {
            throw .unsupported("the coverage has more than \(Self.maximumGaps) gaps, or a gap that is not [from, to]")
        }
        guard signed.path.count <= Self.maximumPath else { throw .unsupported("the batch path is longer than \(Self.maximumPath)") }
        guard receipt.endpoint == "hashes" || receipt.endpoint == "envelopes" else { throw .unsupported("an unknown endpoint") }
        guard let text = ContractEvidence.numberText(after: "\"minimumPoW\":", in: signed.document),
              text.utf8.count <= Self.maximumPoWText, ContractEvidence.decimal(text) != nil else {
            throw .unsupported("the receipt's minimumPoW is not a number the contract reads")
        }
        minimumPoWText = text
        guard let limit = UInt32(exactly: receipt.query.limit) else { throw .unsupported("the query's limit is not a uint32") }
        guard (try? fields(limit: limit)) != nil else { throw .unsupported("the receipt's topics, bloom or cursors do not parse") }
        let rendered = ContractEvidence.render(self, limit: limit)
        guard rendered.count <= Self.maximumDocument else { throw .unsupported("the receipt is longer than \(Self.maximumDocument) bytes") }
        guard rendered == signed.document else {
            throw .unsupported("the receipt is not in the form Mailvault's server writes, which is the only one the contract reads")
        }
    }

    /// The calldata of `ProviderRegistry.slash` for this evidence, paying `reporter`, who
    /// committed to it with `salt`.
    public func slashCall(reporter: ProviderAddress, salt: Hash256) -> [UInt8] {
        // `init` checked that the fields parse and the limit fits.
        let limit = UInt32(receipt.query.limit)
        let signature = evidence.receipt.signature.bytes
        let path = evidence.receipt.path
        var left: [UInt8] = Array(repeating: 0, count: 32)
        for (index, step) in path.enumerated() where step.side == .left {
            left[31 - index / 8] |= 1 << (index % 8)
        }
        return ABIValue.call(Self.slashSignature, [
            .address(evidence.receipt.signer.bytes),
            (try? fields(limit: limit)) ?? .tuple([]),
            .tuple([.fixedBytes(Array(signature[0..<32])), .fixedBytes(Array(signature[32..<64])), .integer(signature[64])]),
            .array(path.map { .fixedBytes($0.hash.bytes) }),
            .uint(left),
            .bytes(evidence.keys.flatMap(\.bytes)),
            .bytes(Array(evidence.envelope.encoded)),
            .address(reporter.bytes),
            .fixedBytes(salt.bytes),
        ])
    }

    /// The commitment `reporter` makes with `ProviderRegistry.commit` before revealing the
    /// evidence: keccak256(abi_encode(reporter, provider, keccak256(envelope), salt)).
    public func commitment(reporter: ProviderAddress, salt: Hash256) -> Hash256 {
        Keccak256.hash(ABIValue.tuple([.address(reporter.bytes), .address(evidence.receipt.signer.bytes),
                                       .fixedBytes(evidence.envelope.hash.bytes), .fixedBytes(salt.bytes)]).encoded)
    }

    /// The calldata of `ProviderRegistry.commit` for `commitment(reporter:salt:)`.
    public func commitCall(reporter: ProviderAddress, salt: Hash256) -> [UInt8] {
        ABIValue.call(Self.commitSignature, [.fixedBytes(commitment(reporter: reporter, salt: salt).bytes)])
    }

    /// The contract's verdict: the Swift check's, with the contract's own rules on top: the
    /// PoW compared in integers with a margin (`powAtLeast`), and the envelope sent at least
    /// `grace` seconds (the registry's `answer_grace`) before the answer.
    public func check(grace: UInt32) -> EvidenceVerdict {
        var verdict = evidence.check()
        guard verdict.proven else { return verdict }
        let work = evidence.envelope.checkWork()
        if ContractEvidence.powAtLeast(zeros: work.powHash.leadingZeroBitCount, length: work.rlpWithoutNonceLength,
                                       ttl: work.ttl, minimum: minimumPoWText) != true {
            verdict.proven = false
            verdict.reason = "the envelope's PoW is not above the minimum \(minimumPoWText) by the contract's integer margin"
        } else if UInt64(evidence.envelope.sentTime) + UInt64(grace) > UInt64(receipt.serverTime) {
            verdict.proven = false
            verdict.reason = "the envelope was sent less than \(grace) s before the answer (the registry's grace)"
        }
        return verdict
    }

    // MARK: The receipt's fields and document, as the contract writes them

    private func fields(limit: UInt32) throws -> ABIValue {
        let query = receipt.query, coverage = receipt.coverage
        let topics = try query.topics.map { (text) throws -> ABIValue in .fixedBytes(try Topic(hex: text).bytes) }
        let bloom = try query.bloom.map { try Bloom(hex: $0).bytes } ?? []
        let cursor = try query.cursor.map { try EnvelopeKey(hex: $0).bytes } ?? []
        let next = try receipt.next.map { try EnvelopeKey(hex: $0).bytes } ?? []
        guard let descriptor = Hash256(bytes: try Hex.decode(receipt.descriptor)) else { throw ContractEvidenceError.unsupported("descriptor") }
        return .tuple([
            .string(receipt.endpoint), .fixedBytes(descriptor.bytes), .integer(receipt.serverTime), .integer(query.from),
            .integer(query.to), .integer(limit), .array(topics), .bytes(bloom), .bytes(cursor), .bytes(next),
            .integer(coverage.from), .array(coverage.gaps.map { .tuple($0.map { .integer($0) }) }), .integer(coverage.maximumAge),
            .string(minimumPoWText), .bool(coverage.maximumEnvelopeSize != nil),
            .integer(UInt64(max(0, coverage.maximumEnvelopeSize ?? 0))), .bool(coverage.newestIngest != nil),
            .integer(coverage.newestIngest ?? 0),
        ])
    }

    /// The document `receipt_document.render` writes for these fields and keys.
    static func render(_ contract: ContractEvidence, limit: UInt32) -> [UInt8] {
        let receipt = contract.receipt, keys = contract.evidence.keys
        let coverage = receipt.coverage, query = receipt.query
        func quoted(_ hex: String) -> String { "\"" + hex.lowercased() + "\"" }
        var text = "{\"commitment\":" + quoted(ReceiptCommitment.keys(keys).description) + ",\"count\":\(keys.count)"
        text += ",\"coverage\":{\"from\":\(coverage.from),\"gaps\":["
        text += coverage.gaps.map { "[\($0[0]),\($0[1])]" }.joined(separator: ",")
        text += "],\"maximumAge\":\(coverage.maximumAge)"
        if let size = coverage.maximumEnvelopeSize { text += ",\"maximumEnvelopeSize\":\(size)" }
        text += ",\"minimumPoW\":" + contract.minimumPoWText
        if let newest = coverage.newestIngest { text += ",\"newestIngest\":\(newest)" }
        text += "},\"descriptor\":" + quoted(receipt.descriptor) + ",\"endpoint\":\"" + receipt.endpoint + "\""
        if let first = keys.first, let last = keys.last {
            text += ",\"first\":" + quoted(first.description) + ",\"last\":" + quoted(last.description)
        }
        if let next = receipt.next { text += ",\"next\":" + quoted(next) }
        text += ",\"provider\":" + quoted(contract.evidence.receipt.signer.description) + ",\"query\":{"
        if query.topics.isEmpty, let bloom = query.bloom { text += "\"bloom\":" + quoted(bloom) + "," }
        if let cursor = query.cursor { text += "\"cursor\":" + quoted(cursor) + "," }
        text += "\"from\":\(query.from),\"limit\":\(limit),\"to\":\(query.to),\"topics\":["
        text += query.topics.map(quoted).joined(separator: ",")
        text += "]},\"serverTime\":\(receipt.serverTime),\"version\":2}"
        return Array(text.utf8)
    }

    /// The JSON number that follows `label` in `document` (up to the next `,` or `}`).
    static func numberText(after label: String, in document: [UInt8]) -> String? {
        let needle = Array(label.utf8)
        guard needle.count <= document.count else { return nil }
        for start in 0...(document.count - needle.count) where document[start..<(start + needle.count)].elementsEqual(needle) {
            let rest = document[(start + needle.count)...]
            let end = rest.firstIndex { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "}") } ?? rest.endIndex
            return String(decoding: rest[..<end], as: UTF8.self)
        }
        return nil
    }

    // MARK: PoW in integers

    /// The minimum PoW's text as (mantissa, decimal exponent), by the contract's grammar:
    /// digits, optionally `.` digits, optionally `e` [`+`/`-`] digits; at most 20 significant
    /// digits. `nil` when the contract would refuse the text.
    public static func decimal(_ text: String) -> (mantissa: UInt64, exponent: Int)? {
        var mantissa: UInt64 = 0, digits = 0, exponent = 0, state = 0, seen = false
        var exponentNegative = false, exponentValue = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = Int(byte - UInt8(ascii: "0"))
                if state <= 1 {
                    if mantissa > 0 || digit > 0 {
                        digits += 1
                        if digits > 20 { return nil }
                    }
                    let (times, overflow) = mantissa.multipliedReportingOverflow(by: 10)
                    if overflow { return nil }
                    mantissa = times + UInt64(digit)
                    if state == 1 { exponent -= 1 }
                } else {
                    state = 3
                    exponentValue = exponentValue * 10 + digit
                    if exponentValue >= 1000 { return nil }
                }
                seen = true
            case UInt8(ascii: "."):
                guard state == 0, seen else { return nil }
                state = 1
                seen = false
            case UInt8(ascii: "e"):
                guard state <= 1, seen else { return nil }
                state = 2
                seen = false
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard state == 2, !seen else { return nil }
                exponentNegative = byte == UInt8(ascii: "-")
                state = 3
            default:
                return nil
            }
        }
        guard seen, !text.isEmpty else { return nil }
        return (mantissa, exponent + (exponentNegative ? -exponentValue : exponentValue))
    }

    /// `2^zeros / length / ttl ≥ minimum` as the contract decides it:
    /// `2^min(zeros,128) · D · 2^32 ≥ N · length · ttl · (2^32 + 1)` with `N / D` the minimum's
    /// decimal value (below 10^-28 rounded up to a multiple of 10^-28). The margin of 2^-32 is
    /// above float64's rounding in the Swift check, so this never accepts what that refuses.
    /// `nil` when the text is not a number the contract reads.
    public static func powAtLeast(zeros: Int, length: Int, ttl: UInt32, minimum: String) -> Bool? {
        guard var (mantissa, exponent) = decimal(minimum) else { return nil }
        if mantissa == 0 { return true }
        if exponent > 40 { return false }
        var wideMantissa = Wide(mantissa)
        if exponent < -28 {
            let shift = -28 - exponent
            wideMantissa = shift > 77 ? Wide(1) : Wide.divideRoundingUp(wideMantissa, Wide.power(10, shift))
            exponent = -28
        }
        var numerator = wideMantissa, denominator = Wide(1)
        if exponent >= 0 {
            numerator = numerator * Wide.power(10, exponent)
        } else {
            denominator = Wide.power(10, -exponent)
        }
        let work = Wide.power(2, min(zeros, 128)) * denominator * Wide.power(2, 32)
        let need = numerator * Wide(UInt64(length)) * Wide(UInt64(ttl)) * (Wide.power(2, 32) + Wide(1))
        return work >= need
    }
}

/// Why evidence cannot go to the contract.
public enum ContractEvidenceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The contract cannot read this evidence, and why.
    case unsupported(String)

    public var description: String {
        switch self {
        case .unsupported(let reason): "the contract cannot take this evidence: \(reason)"
        }
    }
}

/// A non-negative integer of any size, as little-endian 32-bit limbs: just what the PoW
/// comparison needs (products of a few factors, each at most 2^133).
struct Wide: Comparable {
    private(set) var limbs: [UInt32]

    init(_ value: UInt64) {
        limbs = [UInt32(truncatingIfNeeded: value), UInt32(truncatingIfNeeded: value >> 32)]
        trim()
    }

    private init(limbs: [UInt32]) {
        self.limbs = limbs
        trim()
    }

    private mutating func trim() {
        while let last = limbs.last, last == 0 { limbs.removeLast() }
    }

    static func power(_ base: UInt64, _ exponent: Int) -> Wide {
        var result = Wide(1)
        for _ in 0..<max(0, exponent) { result = result * Wide(base) }
        return result
    }

    static func * (a: Wide, b: Wide) -> Wide {
        var out = [UInt32](repeating: 0, count: a.limbs.count + b.limbs.count + 1)
        for (i, x) in a.limbs.enumerated() {
            var carry: UInt64 = 0
            for (j, y) in b.limbs.enumerated() {
                let sum = UInt64(x) * UInt64(y) + UInt64(out[i + j]) + carry
                out[i + j] = UInt32(truncatingIfNeeded: sum)
                carry = sum >> 32
            }
            out[i + b.limbs.count] = UInt32(carry)
        }
        return Wide(limbs: out)
    }

    static func + (a: Wide, b: Wide) -> Wide {
        var out = [UInt32](repeating: 0, count: max(a.limbs.count, b.limbs.count) + 1)
        var carry: UInt64 = 0
        for i in 0..<(out.count - 1) {
            let sum = UInt64(i < a.limbs.count ? a.limbs[i] : 0) + UInt64(i < b.limbs.count ? b.limbs[i] : 0) + carry
            out[i] = UInt32(truncatingIfNeeded: sum)
            carry = sum >> 32
        }
        out[out.count - 1] = UInt32(carry)
        return Wide(limbs: out)
    }

    /// ceil(a / b) for b > 0, by long division one bit at a time (a is small here).
    static func divideRoundingUp(_ a: Wide, _ b: Wide) -> Wide {
        var quotient = Wide(0), remainder = Wide(0)
        for index in stride(from: a.limbs.count * 32 - 1, through: 0, by: -1) {
            remainder = remainder * Wide(2) + Wide(UInt64((a.limbs[index / 32] >> (index % 32)) & 1))
            quotient = quotient * Wide(2)
            if remainder >= b {
                remainder = remainder.minus(b)
                quotient = quotient + Wide(1)
            }
        }
        return remainder.limbs.isEmpty ? quotient : quotient + Wide(1)
    }

    private func minus(_ b: Wide) -> Wide {
        var out = limbs
        var borrow: Int64 = 0
        for i in 0..<out.count {
            var difference = Int64(out[i]) - Int64(i < b.limbs.count ? b.limbs[i] : 0) - borrow
            borrow = difference < 0 ? 1 : 0
            if difference < 0 { difference += 1 << 32 }
            out[i] = UInt32(difference)
        }
        return Wide(limbs: out)
    }

    static func < (a: Wide, b: Wide) -> Bool {
        if a.limbs.count != b.limbs.count { return a.limbs.count < b.limbs.count }
        for index in stride(from: a.limbs.count - 1, through: 0, by: -1) where a.limbs[index] != b.limbs[index] {
            return a.limbs[index] < b.limbs[index]
        }
        return false
    }
}
