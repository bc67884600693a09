import MailvaultClient
import Testing

@Suite("RetryPolicy")
struct RetryPolicyTests {
    /// Each retry waits between half and all of the doubled delay, never more than the cap.
    @Test func delaysDoubleWithJitterUpToTheCap() {
        let policy = RetryPolicy(attempts: 6, baseDelay: .milliseconds(100), maximumDelay: .seconds(1))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            for (retry, full) in [(0, 100), (1, 200), (2, 400), (3, 800), (4, 1000), (9, 1000)] {
                let delay = policy.delay(beforeRetry: retry, using: &generator)
                #expect(delay >= .milliseconds(full) / 2 && delay <= .milliseconds(full), "retry \(retry): \(delay)")
            }
        }
        #expect(RetryPolicy(attempts: 0).attempts == 1)
    }
}
