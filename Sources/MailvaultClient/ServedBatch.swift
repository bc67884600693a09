import MailvaultCore

/// The check of a batch of envelopes a provider served, before anything of it is used.
///
/// Every envelope must hash to a key that was asked for (and only once), be sent at the time the
/// listing gave for that key, fall inside the sync's range and topics, have a TTL above 0 and a
/// PoW at or above the minimum the serving provider declares in its descriptor. One envelope
/// that fails refuses the whole batch: a provider that lies once is not trusted for the rest of
/// that answer, and the client asks another provider that lists the same keys.
public enum ServedBatch {
    /// The envelopes' hashes and PoW (computed once, several per SIMD step, and handed to the
    /// store so it does not hash them again), in the order served; throws `.refusedAnswer`.
    public static func verify(_ envelopes: [Envelope], asked: [Hash256: EnvelopeKey], scope: SyncScope,
                              minimumPoW: Double, url: String) throws(ClientError) -> [PoWCheck] {
        let work = Envelope.checkWork(batch: envelopes)
        var seen = Set<Hash256>()
        seen.reserveCapacity(envelopes.count)
        for (envelope, check) in zip(envelopes, work) {
            guard let key = asked[check.hash] else {
                throw .refusedAnswer(url: url, reason: "it served an envelope hashing to \(check.hash), which was not asked for")
            }
            guard seen.insert(check.hash).inserted else {
                throw .refusedAnswer(url: url, reason: "it served envelope \(check.hash) twice")
            }
            guard envelope.sentTime == key.sent else {
                throw .refusedAnswer(url: url, reason: "envelope \(check.hash) was sent at \(envelope.sentTime), not at the listed \(key.sent)")
            }
            guard scope.contains(sent: envelope.sentTime, topic: envelope.topic) else {
                throw .refusedAnswer(url: url, reason: "envelope \(check.hash) (sent \(envelope.sentTime), topic \(envelope.topic)) is outside the query")
            }
            let pow = check.pow()
            guard envelope.ttl > 0, pow >= minimumPoW else {
                throw .refusedAnswer(url: url, reason: "envelope \(check.hash) has PoW \(pow), below the provider's declared minimum \(minimumPoW)")
            }
        }
        return work
    }
}
