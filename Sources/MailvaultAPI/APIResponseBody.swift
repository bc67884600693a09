import MailvaultCore

/// The JSON and RLP answers of the API, written byte by byte (see `JSONBuffer`).
public enum APIResponseBody {
    /// `{"envelopes":[...],"cursor":"0x…"|null,"receipt":{…}}` for a history page (entries
    /// without an envelope are left out); `receipt` is the signed receipt's JSON, written as it is.
    public static func envelopes(_ page: HistoryPage, receipt: [UInt8]? = nil) -> [UInt8] {
        let payload = page.entries.reduce(0) { $0 + ($1.envelope?.encoded.count ?? 0) }
        var out = JSONBuffer(capacity: 64 + 2 * payload + 200 * page.entries.count)
        out.raw("{\"envelopes\":[")
        var first = true
        for entry in page.entries {
            guard let envelope = entry.envelope else { continue }
            if !first { out.raw(",") }
            first = false
            self.envelope(envelope, hash: entry.key.hash, into: &out)
        }
        out.raw("],\"cursor\":")
        cursor(page.next, into: &out)
        if let receipt {
            out.raw(",\"receipt\":")
            out.raw(bytes: receipt)
        }
        out.raw("}")
        return out.bytes
    }

    /// `{"providers":[{signed descriptor}...]}` for `GET /v1/providers`, each document the JSON
    /// `GET /v1/provider` serves.
    public static func directory(_ documents: [[UInt8]]) -> [UInt8] {
        var out = JSONBuffer(capacity: 16 + documents.reduce(0) { $0 + $1.count + 1 })
        out.raw("{\"providers\":[")
        for (index, document) in documents.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw(bytes: document)
        }
        out.raw("]}")
        return out.bytes
    }

    /// One envelope as the API writes it:
    /// `{"hash","sent","expiry","ttl","topic","data","nonce"}`.
    public static func envelope(_ envelope: Envelope, hash: Hash256) -> [UInt8] {
        var out = JSONBuffer(capacity: 200 + 2 * envelope.encoded.count)
        APIResponseBody.envelope(envelope, hash: hash, into: &out)
        return out.bytes
    }

    /// `{"hashes":[{"sent","hash","topic"}...],"cursor":"0x…"|null,"receipt":{…}}` for a
    /// hashes-only page.
    public static func hashes(_ page: HistoryPage, receipt: [UInt8]? = nil) -> [UInt8] {
        var out = JSONBuffer(capacity: 64 + 120 * page.entries.count)
        out.raw("{\"hashes\":[")
        for (index, entry) in page.entries.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{\"sent\":")
            out.number(entry.sent)
            out.raw(",\"hash\":")
            hash(entry.hash, into: &out)
            out.raw(",\"topic\":")
            topic(entry.topic, into: &out)
            out.raw("}")
        }
        out.raw("],\"cursor\":")
        cursor(page.next, into: &out)
        if let receipt {
            out.raw(",\"receipt\":")
            out.raw(bytes: receipt)
        }
        out.raw("}")
        return out.bytes
    }

    /// `{"results":[{"hash","status","reason","message"}...]}` for an ingest, in input order.
    public static func ingest(_ outcomes: [IngestOutcome]) -> [UInt8] {
        var out = JSONBuffer(capacity: 32 + 110 * outcomes.count)
        out.raw("{\"results\":[")
        for (index, outcome) in outcomes.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{\"hash\":")
            hash(outcome.hash, into: &out)
            out.raw(",\"status\":")
            out.string(outcome.status.rawValue)
            if let reason = outcome.reason {
                out.raw(",\"reason\":")
                out.string(reason.code)
                out.raw(",\"message\":")
                out.string(reason.description)
            }
            out.raw("}")
        }
        out.raw("]}")
        return out.bytes
    }

    /// `{"present":[true,false,...]}`, in request order.
    public static func presence(_ present: [Bool]) -> [UInt8] {
        var out = JSONBuffer(capacity: 16 + 6 * present.count)
        out.raw("{\"present\":[")
        for (index, value) in present.enumerated() {
            if index > 0 { out.raw(",") }
            out.bool(value)
        }
        out.raw("]}")
        return out.bytes
    }

    /// The store's figures: counts, bytes, compression and the time span held.
    public static func stats(_ stats: StoreStats) -> [UInt8] {
        var out = JSONBuffer(capacity: 400)
        out.raw("{\"schemaVersion\":")
        out.number(stats.schemaVersion)
        out.raw(",\"envelopes\":")
        out.number(stats.envelopes)
        out.raw(",\"topics\":")
        out.number(stats.topics)
        out.raw(",\"rawBytes\":")
        out.number(stats.rawBytes)
        out.raw(",\"storedBytes\":")
        out.number(stats.storedBytes)
        out.raw(",\"fileBytes\":")
        out.number(stats.fileBytes)
        out.raw(",\"usedBytes\":")
        out.number(stats.usedBytes)
        out.raw(",\"compressedEnvelopes\":")
        out.number(stats.compressedEnvelopes)
        out.raw(",\"compressionRatio\":")
        out.number(stats.compressionRatio)
        out.raw(",\"oldestSent\":")
        optional(stats.oldestSent, into: &out)
        out.raw(",\"newestSent\":")
        optional(stats.newestSent, into: &out)
        out.raw("}")
        return out.bytes
    }

    static func envelope(_ envelope: Envelope, hash: Hash256, into out: inout JSONBuffer) {
        out.raw("{\"hash\":")
        self.hash(hash, into: &out)
        out.raw(",\"sent\":")
        out.number(envelope.sentTime)
        out.raw(",\"expiry\":")
        out.number(envelope.expiry)
        out.raw(",\"ttl\":")
        out.number(envelope.ttl)
        out.raw(",\"topic\":")
        topic(envelope.topic, into: &out)
        out.raw(",\"data\":")
        out.hex(envelope.data)
        out.raw(",\"nonce\":")
        out.number(envelope.nonce)
        out.raw("}")
    }

    static func hash(_ hash: Hash256, into out: inout JSONBuffer) {
        hash.withBytes { out.hex($0) }
    }

    static func topic(_ topic: Topic, into out: inout JSONBuffer) {
        withUnsafeBytes(of: topic.rawValue.bigEndian) { raw in raw.withMemoryRebound(to: UInt8.self) { out.hex($0) } }
    }

    static func cursor(_ cursor: EnvelopeKey?, into out: inout JSONBuffer) {
        guard let cursor else { return out.raw("null") }
        cursor.withBytes { out.hex($0) }
    }

    private static func optional(_ value: UInt32?, into out: inout JSONBuffer) {
        guard let value else { return out.raw("null") }
        out.number(value)
    }
}
