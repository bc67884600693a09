extension IngestPolicy {
    /// How an envelope arrives, which decides whether the clock applies.
    public enum Mode: Sendable {
        /// From a peer or a client, live: every rule, in go-ethereum's order.
        case live
        /// From a bulk import or another store's archive: the format, size, PoW and bloom
        /// rules only, since archived envelopes are old by nature.
        case archive
    }

    /// Applies a live node's ingest rules and returns the envelope's PoW if it is accepted.
    ///
    /// The order is go-ethereum's `add()`: zero TTL, future, expired/too old, size, PoW, bloom.
    /// An envelope sent up to 10 s in the future is accepted with its PoW recomputed with
    /// `diff = sent - now + 1`, as go-ethereum does.
    ///
    /// - Parameters:
    ///   - now: the node's clock, Unix seconds. Ignored in `.archive` mode.
    ///   - work: the envelope's hashes if already computed (by `Envelope.checkWork(batch:)`);
    ///     otherwise the PoW is computed here.
    public func check(_ envelope: Envelope, now: UInt32, mode: Mode = .live,
                      work: PoWCheck? = nil) -> Result<Double, IngestRejection> {
        guard envelope.ttl > 0 else { return .failure(.zeroTTL) }
        var diff: UInt32 = 0
        if mode == .live {
            let sent = envelope.sentTime
            if sent > now {
                if UInt64(sent) > UInt64(now) + UInt64(IngestPolicy.syncAllowance) {
                    return .failure(.future(sent: sent, now: now))
                }
                diff = sent - now + 1
            }
            if envelope.expiry < now {
                if UInt64(envelope.expiry) + 2 * UInt64(IngestPolicy.syncAllowance) < UInt64(now) {
                    return .failure(.tooOld(expiry: envelope.expiry, now: now))
                }
                return .failure(.expired(expiry: envelope.expiry, now: now))
            }
        }
        guard envelope.size <= maximumSize else {
            return .failure(.tooLarge(size: envelope.size, maximum: maximumSize))
        }
        let pow = work?.pow(diff: diff) ?? envelope.pow(diff: diff)
        guard pow >= minimumPoW else { return .failure(.lowPoW(pow: pow, minimum: minimumPoW)) }
        guard bloom.matches(envelope.bloom) else { return .failure(.bloomMismatch) }
        return .success(pow)
    }
}
