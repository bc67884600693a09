import Synchronization

/// Token buckets per client address: each request takes a token; tokens refill at the limit's
/// rate up to its burst. A client out of tokens is told how long to wait.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let limit: RateLimit
    private let buckets = Mutex<(table: [String: Bucket], pruned: ContinuousClock.Instant)>(([:], .now))
    /// Above this many tracked clients, buckets that have refilled completely are forgotten.
    private let pruneThreshold = 10_000

    init(limit: RateLimit) {
        self.limit = limit
    }

    /// Whether a limit is set at all (a rate of 0 turns the limiter off).
    var isEnabled: Bool { limit.isEnabled }

    /// Takes a token for `client`; returns `nil` when allowed, else the seconds to wait.
    func acquire(_ client: String, now: ContinuousClock.Instant = .now) -> Int? {
        guard limit.isEnabled else { return nil }
        return buckets.withLock { state in
            var bucket = state.table[client] ?? Bucket(tokens: limit.burst, updated: now)
            let elapsed = Double((now - bucket.updated).components.seconds)
                + Double((now - bucket.updated).components.attoseconds) / 1e18
            bucket.tokens = min(limit.burst, bucket.tokens + max(0, elapsed) * limit.perSecond)
            bucket.updated = now
            defer {
                state.table[client] = bucket
                // At most once a second, so that a table of active clients above the threshold
                // does not cost a scan per request.
                if state.table.count > pruneThreshold, now - state.pruned > .seconds(1) {
                    prune(&state.table, now: now)
                    state.pruned = now
                }
            }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / limit.perSecond).rounded(.up)))
        }
    }

    private func prune(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
        let refill = Duration.seconds(limit.burst / limit.perSecond)
        buckets = buckets.filter { now - $0.value.updated < refill }
    }
}
