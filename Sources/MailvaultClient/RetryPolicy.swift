/// How the client retries a request that failed for a reason that may pass: a network error, a
/// deadline, HTTP 5xx or 429.
///
/// The n-th retry waits `min(maximumDelay, baseDelay * 2^n)` scaled by a random factor in
/// 0.5...1 (jitter, so that many clients do not retry in step). A `Retry-After` the provider
/// sends is honoured instead when it is at most `maximumDelay`; a longer one ends the retries
/// at once, since another provider can answer sooner.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts per request, the first included.
    public var attempts: Int
    /// The wait before the first retry.
    public var baseDelay: Duration
    /// The longest wait before any retry (and the longest `Retry-After` honoured).
    public var maximumDelay: Duration

    /// A policy; `attempts` below 1 counts as 1.
    public init(attempts: Int = 3, baseDelay: Duration = .milliseconds(200), maximumDelay: Duration = .seconds(5)) {
        self.attempts = max(1, attempts)
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    /// The wait before retry number `retry` (0 for the first), jitter included.
    public func delay(beforeRetry retry: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        var delay = baseDelay
        for _ in 0..<min(retry, 30) where delay < maximumDelay { delay *= 2 }
        let capped = min(delay, maximumDelay)
        return capped * Double.random(in: 0.5...1, using: &generator)
    }
}
