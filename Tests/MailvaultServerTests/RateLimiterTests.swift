@testable import MailvaultServer
import Testing

@Suite("Per-client token buckets")
struct RateLimiterTests {
    let start = ContinuousClock.now

    @Test func aBurstIsAllowedThenTheClientWaits() {
        let limiter = RateLimiter(limit: RateLimit(perSecond: 2, burst: 3))
        for _ in 0..<3 { #expect(limiter.acquire("a", now: start) == nil) }
        // Out of tokens: one token refills in half a second, told as whole seconds, at least 1.
        #expect(limiter.acquire("a", now: start) == 1)
        // Another client has its own bucket.
        #expect(limiter.acquire("b", now: start) == nil)
    }

    @Test func tokensRefillAtTheRateUpToTheBurst() {
        let limiter = RateLimiter(limit: RateLimit(perSecond: 1, burst: 2))
        #expect(limiter.acquire("a", now: start) == nil)
        #expect(limiter.acquire("a", now: start) == nil)
        #expect(limiter.acquire("a", now: start) != nil)
        #expect(limiter.acquire("a", now: start + .seconds(1)) == nil)
        #expect(limiter.acquire("a", now: start + .seconds(1)) != nil)
        // A long quiet period refills to the burst and no further.
        let later = start + .seconds(3600)
        #expect(limiter.acquire("a", now: later) == nil)
        #expect(limiter.acquire("a", now: later) == nil)
        #expect(limiter.acquire("a", now: later) != nil)
    }

    @Test func theWaitGrowsWithTheDebtAtASlowRate() {
        let limiter = RateLimiter(limit: RateLimit(perSecond: 0.1, burst: 1))
        #expect(limiter.acquire("a", now: start) == nil)
        #expect(limiter.acquire("a", now: start) == 10)
    }

    @Test func aZeroRateTurnsTheLimitOff() {
        let limiter = RateLimiter(limit: RateLimit(perSecond: 0, burst: 1))
        #expect(!limiter.isEnabled)
        for _ in 0..<1000 { #expect(limiter.acquire("a", now: start) == nil) }
    }

    @Test func manyClientsArePrunedWithoutLosingActiveDebts() {
        let limiter = RateLimiter(limit: RateLimit(perSecond: 1, burst: 1))
        #expect(limiter.acquire("busy", now: start) == nil)
        // Over the pruning threshold, with clients whose buckets have refilled by then.
        for index in 0..<10_050 { _ = limiter.acquire("client-\(index)", now: start) }
        let later = start + .milliseconds(1500)
        _ = limiter.acquire("trigger", now: later)
        // The busy client refilled (1.5 s at 1/s) and may go again; then it is out of tokens.
        #expect(limiter.acquire("busy", now: later) == nil)
        #expect(limiter.acquire("busy", now: later) == 1)
    }
}
