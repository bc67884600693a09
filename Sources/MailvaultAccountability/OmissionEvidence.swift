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
        OmissionEvidence.check(receipt: receipt, keys: keys, envelopes: [envelope])[0]
    }

    /// The decisions on `envelopes` against one signed page, in order: each the same as
    /// `check()` on `OmissionEvidence(receipt:keys:envelope:)`, with what concerns only the page
    /// (the signature, the commitment, the order, the query's fields) done once. A client that
    /// finds many omissions in one page pays one signature recovery, not one per envelope.
    public static func check(receipt: SignedDocument, keys: [EnvelopeKey], envelopes: [Envelope]) -> [EvidenceVerdict] {
        let page: Page
        do {
            switch try Page.read(receipt: receipt, keys: keys) {
            case .success(let read): page = read
            case .failure(let refusal):
                return envelopes.map { verdict(false, refusal.reason, receipt: receipt, envelope: $0) }
            }
        } catch {
            return envelopes.map { verdict(false, "\(error)", receipt: receipt, envelope: $0) }
        }
        return envelopes.map { envelope in
            do {
                return try page.decide(envelope, receipt: receipt, keys: keys)
            } catch {
                return verdict(false, "\(error)", receipt: receipt, envelope: envelope)
            }
        }
    }

    private static func verdict(_ proven: Bool, _ reason: String, receipt: SignedDocument, envelope: Envelope) -> EvidenceVerdict {
        EvidenceVerdict(proven: proven, reason: reason, provider: receipt.signer.description, envelope: envelope.hash.description)
    }

    /// A reason the page itself proves nothing.
    private struct Refusal: Error {
        let reason: String
    }

    /// What the receipt says, once its signature, commitment and order are checked. The query's
    /// fields are parsed once too, but a failure to parse them is thrown at the step where a
    /// single check meets it, so that every verdict names the same rule as before.
    private struct Page {
        let body: QueryReceipt
        let topics: Result<[Topic], AccountabilityError>
        let bloom: Result<Bloom?, AccountabilityError>
        let cursor: Result<EnvelopeKey?, AccountabilityError>
        let next: Result<EnvelopeKey?, AccountabilityError>

        static func read(receipt: SignedDocument, keys: [EnvelopeKey]) throws -> Result<Page, Refusal> {
            guard receipt.kind == "receipt" else { return .failure(Refusal(reason: "the signed document is a \(receipt.kind), not a receipt")) }
            try receipt.verify()
            let body = try receipt.decode(QueryReceipt.self)
            guard body.provider.lowercased() == receipt.signer.description else {
                return .failure(Refusal(reason: "the receipt names provider \(body.provider) but is signed by \(receipt.signer)"))
            }
            guard ReceiptCommitment.commitment([], version: body.version) != nil else {
                return .failure(Refusal(reason: "the receipt's version \(body.version) is not one this checker knows"))
            }
            guard body.commits(to: keys) else {
                return .failure(Refusal(reason: "the key list does not match the receipt's commitment"))
            }
            // A signed list out of order is the provider's fault, but "missing from it" would then not
            // mean "missing from the range", so such a list proves nothing either way.
            guard zip(keys, keys.dropFirst()).allSatisfy({ $0 < $1 }) else {
                return .failure(Refusal(reason: "the signed key list is not in ascending (sent, hash) order"))
            }
            func parse<T>(_ body: () throws -> T) -> Result<T, AccountabilityError> {
                do {
                    return .success(try body())
                } catch let error as AccountabilityError {
                    return .failure(error)
                } catch {
                    return .failure(.malformedDocument("\(error)"))
                }
            }
            return .success(Page(
                body: body,
                topics: parse { try body.query.topics.map { (text) throws -> Topic in try Topic(hex: text) } },
                bloom: parse { try body.query.bloom.map { (text) throws -> Bloom in try Bloom(hex: text) } },
                cursor: parse { try body.query.cursor.map { try OmissionEvidence.keys([$0])[0] } },
                next: parse { try body.next.map { try OmissionEvidence.keys([$0])[0] } }))
        }

        func decide(_ envelope: Envelope, receipt: SignedDocument, keys: [EnvelopeKey]) throws -> EvidenceVerdict {
            func refuse(_ reason: String) -> EvidenceVerdict { OmissionEvidence.verdict(false, reason, receipt: receipt, envelope: envelope) }
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
            let topics = try topics.get()
            let bloom = try bloom.get()
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
            if let cursor = try cursor.get(), key <= cursor {
                return refuse("the envelope comes before the page's cursor, so an earlier page covers it")
            }
            if let next = try next.get(), key > next {
                return refuse("the envelope comes after the page's next cursor, so a later page covers it")
            }
            guard body.coverage.covers(sent: key.sent, at: body.serverTime) else {
                return refuse("the envelope's sent time \(key.sent) is outside the coverage the provider vouched for")
            }
            // The list is in ascending order (checked above), so absence is a binary search.
            var low = 0, high = keys.count
            while low < high {
                let middle = (low + high) / 2
                if keys[middle] < key { low = middle + 1 } else { high = middle }
            }
            guard low == keys.count || keys[low] != key else { return refuse("the page holds the envelope: nothing was withheld") }
            return OmissionEvidence.verdict(true, "a valid envelope in the page's range and coverage is missing from the signed answer",
                                            receipt: receipt, envelope: envelope)
        }
    }

    /// The evidence as one JSON file: `{"receipt":{…signed…},"keys":["0x…"],"envelope":"0x…"}`.
    public var json: [UInt8] {
        OmissionEvidence.json(receipt: receipt, keys: keys, envelopes: [envelope])[0]
    }

    /// The files of `envelopes` against one page, each as `json` writes it, the receipt and the
    /// key list encoded once.
    public static func json(receipt: SignedDocument, keys: [EnvelopeKey], envelopes: [Envelope]) -> [[UInt8]] {
        var prefix = Array("{\"receipt\":".utf8) + receipt.json + Array(",\"keys\":[".utf8)
        prefix += Array(keys.map { "\"\($0)\"" }.joined(separator: ",").utf8)
        prefix += Array("],\"envelope\":\"".utf8)
        return envelopes.map { envelope in
            prefix + Array(Hex.encode(envelope.encoded, prefix: true).utf8) + Array("\"}".utf8)
        }
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
