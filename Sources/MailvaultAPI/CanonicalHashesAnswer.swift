import MailvaultCore

/// The fast path of `AnswerBody.hashes`: a reader of exactly the bytes `APIResponseBody.hashes`
/// writes (`{"hashes":[{"sent":N,"hash":"0x…","topic":"0x…"},…],"cursor":…,"receipt":{…}}`, no
/// whitespace, lowercase hex), which is what every Mailvault server sends. A client listing
/// 100,000 keys spent most of its time in the general JSON decoder on these pages.
///
/// Anything else, even valid JSON in another layout, makes it return `nil`, and the caller
/// decodes the answer in full; so this reader never accepts what the decoder refuses, and for
/// the bytes it accepts it gives what the decoder gives (tested side by side).
enum CanonicalHashesAnswer {
    static func read(_ body: [UInt8]) -> (page: HistoryPage, receipt: SignedDocumentBody?)? {
        body.withUnsafeBufferPointer { bytes in
            var reader = Reader(bytes: bytes)
            return reader.answer()
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0

        mutating func answer() -> (page: HistoryPage, receipt: SignedDocumentBody?)? {
            guard literal("{\"hashes\":[") else { return nil }
            var entries: [HistoryEntry] = []
            entries.reserveCapacity(bytes.count / 120)
            if !literal("]") {
                repeat {
                    guard literal("{\"sent\":"), let sent = number(), literal(",\"hash\":\"0x"),
                          let hash = hex(32).flatMap({ Hash256(bytes: $0) }), literal("\",\"topic\":\"0x"),
                          let topicBytes = hex(4), let topic = Topic(bytes: topicBytes), literal("\"}") else { return nil }
                    entries.append(HistoryEntry(key: EnvelopeKey(sent: sent, hash: hash), topic: topic))
                } while literal(",")
                guard literal("]") else { return nil }
            }
            guard literal(",\"cursor\":") else { return nil }
            var next: EnvelopeKey?
            if !literal("null") {
                guard literal("\"0x"), let key = hex(EnvelopeKey.byteCount).flatMap({ try? EnvelopeKey(bytes: $0) }),
                      literal("\"") else { return nil }
                next = key
            }
            var receipt: SignedDocumentBody?
            if literal(",\"receipt\":") {
                // The receipt is the rest but the final brace; the general decoder reads it.
                guard bytes.count - at >= 3, bytes[bytes.count - 1] == UInt8(ascii: "}"), bytes[at] == UInt8(ascii: "{") else {
                    return nil
                }
                let object = Array(bytes[at..<(bytes.count - 1)])
                guard let decoded = try? JSONErrors.decode(SignedDocumentBody.self, from: object) else { return nil }
                receipt = decoded
                at = bytes.count - 1
            }
            guard literal("}"), at == bytes.count else { return nil }
            return (HistoryPage(entries: entries, next: next), receipt)
        }

        mutating func literal(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard bytes.count - at >= count else { return false }
            let start = text.utf8Start
            for offset in 0..<count where bytes[at + offset] != start[offset] { return false }
            at += count
            return true
        }

        /// A UInt32 in canonical decimal (no sign, no leading zero, no fraction or exponent).
        mutating func number() -> UInt32? {
            var value: UInt64 = 0
            let start = at
            while at < bytes.count, bytes[at] >= UInt8(ascii: "0"), bytes[at] <= UInt8(ascii: "9"), at - start < 11 {
                value = value * 10 + UInt64(bytes[at] - UInt8(ascii: "0"))
                at += 1
            }
            let length = at - start
            guard length > 0, length <= 10, value <= UInt64(UInt32.max),
                  length == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
            return UInt32(value)
        }

        /// `count` bytes as lowercase hex digits.
        mutating func hex(_ count: Int) -> [UInt8]? {
            guard bytes.count - at >= 2 * count else { return nil }
            var out = [UInt8](repeating: 0, count: count)
            for index in 0..<count {
                guard let high = Reader.nibble(bytes[at + 2 * index]), let low = Reader.nibble(bytes[at + 2 * index + 1]) else {
                    return nil
                }
                out[index] = high << 4 | low
            }
            at += 2 * count
            return out
        }

        static func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            default: nil
            }
        }
    }
}
