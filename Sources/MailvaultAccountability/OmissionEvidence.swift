import Foundation
import MailvaultCore

/// A claim that a provider withheld an envelope: its signed receipt for a page, the page's
/// ordered key list, and an envelope that page should have held but does not.
///
/// `check()` decides it without trusting anyone: the receipt's signature, the list against the
/// receipt's commitment, the envelope's validity, PoW, range, topic and coverage, its place in
/// the page, and its absence from the list.
public struct OmissionEvidence: Sendable {
    /// The provider's signed receipt (kind `receipt`).
    public var receipt: SignedDocument
    /// The page's keys in order (36-byte `sent ++ hash`).
    public var keys: [EnvelopeKey]
    /// The envelope the page lacks.
    public var envelope: Envelope

    public init(receipt: SignedDocument, keys: [EnvelopeKey], envelope: Envelope) {
        self.receipt = receipt
        self.keys = keys
        self.envelope = envelope
    }

    /// The decision on this evidence.
    public func check() -> EvidenceVerdict {
        do {
            return try decide()
        } catch {
            return EvidenceVerdict(proven: false, reason: "\(error)", provider: receipt.signer.description,
                                   envelope: envelope.hash.description)
        }
    }

    private func refuse(_ reason: String) -> EvidenceVerdict {
        EvidenceVerdict(proven: false, reason: reason, provider: receipt.signer.description,
                        envelope: envelope.hash.description)
    }

    private func decide() throws -> EvidenceVerdict {
        guard receipt.kind == "receipt" else { return refuse("the signed document is a \(receipt.kind), not a receipt") }
        try receipt.verify()
        let body = try receipt.decode(QueryReceipt.self)
        guard body.provider.lowercased() == receipt.signer.description else {
            return refuse("the receipt names provider \(body.provider) but is signed by \(receipt.signer)")
        }
        guard ReceiptCommitment.commitment([], version: body.version) != nil else {
            return refuse("the receipt's version \(body.version) is not one this checker knows")
        }
        guard body.commits(to: keys) else {
            return refuse("the key list does not match the receipt's commitment")
        }
        // A signed list out of order is the provider's fault, but "missing from it" would then not
        // mean "missing from the range", so such a list proves nothing either way.
        guard zip(keys, keys.dropFirst()).allSatisfy({ $0 < $1 }) else {
            return refuse("the signed key list is not in ascending (sent, hash) order")
        }
        // The envelope: well formed (it was decoded strictly), with a PoW the provider accepts.
        let pow = envelope.pow()
        guard envelope.ttl > 0, pow >= body.coverage.minimumPoW else {
            return refuse("the envelope's PoW \(pow) is below the provider's minimum \(body.coverage.minimumPoW)")
        }
        if let maximum = body.coverage.maximumEnvelopeSize, envelope.size > maximum {
            return refuse("the envelope's size \(envelope.size) exceeds the provider's maximum \(maximum)")
        }
        let key = EnvelopeKey(sent: envelope.sentTime, hash: envelope.hash)
        // Compared field by field: a receipt with `from > to` is signed input, not a range to build.
        guard body.query.from <= key.sent, key.sent <= body.query.to else {
            return refuse("the envelope was sent at \(key.sent), outside the query's range \(body.query.from)...\(body.query.to)")
        }
        // An envelope sent after the answer could not have been in it.
        guard key.sent <= body.serverTime else {
            return refuse("the envelope was sent at \(key.sent), after the provider answered at \(body.serverTime)")
        }
        let topics = try body.query.topics.map { (text) throws -> Topic in try Topic(hex: text) }
        let bloom = try body.query.bloom.map { (text) throws -> Bloom in try Bloom(hex: text) }
        let matches: Bool
        if !topics.isEmpty {
            matches = topics.contains(envelope.topic)
        } else if let bloom {
            matches = bloom.matches(envelope.topic.bloom)
        } else {
            matches = true
        }
        guard matches else { return refuse("the envelope's topic \(envelope.topic) is not one the query asked for") }
        // The page covers keys after the cursor, up to its next cursor when more pages follow (the
        // next page starts after it; an honest page's next cursor is its last key), or to the end
        // of the range when it was the last page.
        if let cursorText = body.query.cursor, let cursor = try OmissionEvidence.keys([cursorText]).first, key <= cursor {
            return refuse("the envelope comes before the page's cursor, so an earlier page covers it")
        }
        if let nextText = body.next, let next = try OmissionEvidence.keys([nextText]).first, key > next {
            return refuse("the envelope comes after the page's next cursor, so a later page covers it")
        }
        guard body.coverage.covers(sent: key.sent, at: body.serverTime) else {
            return refuse("the envelope's sent time \(key.sent) is outside the coverage the provider vouched for")
        }
        guard !keys.contains(key) else { return refuse("the page holds the envelope: nothing was withheld") }
        return EvidenceVerdict(proven: true,
                               reason: "a valid envelope in the page's range and coverage is missing from the signed answer",
                               provider: receipt.signer.description, envelope: envelope.hash.description)
    }

    /// The evidence as one JSON file: `{"receipt":{…signed…},"keys":["0x…"],"envelope":"0x…"}`.
    public var json: [UInt8] {
        var out = Array("{\"receipt\":".utf8) + receipt.json + Array(",\"keys\":[".utf8)
        out += Array(keys.map { "\"\($0)\"" }.joined(separator: ",").utf8)
        out += Array("],\"envelope\":\"\(Hex.encode(envelope.encoded, prefix: true))\"}".utf8)
        return out
    }

    /// Reads the form `json` writes.
    public init(json: [UInt8]) throws(AccountabilityError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any],
              let receipt = object["receipt"] as? [String: Any], let keys = object["keys"] as? [String],
              let envelope = object["envelope"] as? String else {
            throw .malformedDocument("evidence needs receipt, keys and envelope")
        }
        try self.init(receipt: SignedDocument(object: receipt), keys: try OmissionEvidence.keys(keys),
                      envelope: try OmissionEvidence.envelope(envelope))
    }

    /// Keys from their hex form.
    public static func keys(_ texts: [String]) throws(AccountabilityError) -> [EnvelopeKey] {
        var keys: [EnvelopeKey] = []
        for text in texts {
            guard let bytes = try? Hex.decode(text), let key = try? EnvelopeKey(bytes: bytes) else {
                throw .malformedDocument("'\(text)' is not a 36-byte key")
            }
            keys.append(key)
        }
        return keys
    }

    /// An envelope from its RLP in hex, decoded strictly.
    public static func envelope(_ text: String) throws(AccountabilityError) -> Envelope {
        guard let bytes = try? Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw .malformedDocument("the envelope is not hex")
        }
        do {
            return try Envelope(decoding: bytes)
        } catch {
            throw .malformedDocument("the envelope does not decode: \(error)")
        }
    }
}

/// The outcome of checking evidence, in a form a third party can read and re-check.
public struct EvidenceVerdict: Codable, Sendable, Equatable {
    /// True when the evidence proves an omission.
    public var proven: Bool
    /// Why (the rule that failed, or the summary of what was proven).
    public var reason: String
    /// The signer of the receipt.
    public var provider: String
    /// The envelope's hash.
    public var envelope: String
}
