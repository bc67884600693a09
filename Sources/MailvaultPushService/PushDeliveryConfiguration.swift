/// How the push service retries and batches (Docs/Push.md).
public struct PushDeliveryConfiguration: Sendable {
    /// The first retry's delay in seconds; each further retry doubles it (with ±50% jitter).
    public var retryBase: Double = 1
    /// The longest delay between two attempts, in seconds.
    public var retryCeiling: Double = 900
    /// Attempts before a notification becomes a dead letter.
    public var maximumAttempts = 12
    /// Seconds after which an undelivered notification becomes a dead letter.
    public var maximumAge: UInt32 = 86_400
    /// Seconds of a batching window: notifications wait for the window's end and go out together,
    /// which hides when each envelope arrived at the cost of up to this much latency (half on
    /// average). 0 sends at once.
    public var batchWindow: Double = 0
    /// Seconds one delivery request may take (connect, send, answer).
    public var requestTimeout: Int64 = 10
    /// Tokens per gorush notification object, and objects per gorush request (gorush's own
    /// default `max_notification` is 100).
    public var gorushTokensPerNotification = 1000
    public var gorushNotificationsPerRequest = 100
    /// Delivery requests in flight at once.
    public var concurrency = 16
    /// The contact (`mailto:` or `https:`) VAPID tokens name as `sub`; push services use it to
    /// reach the operator, and Apple's refuses tokens without one.
    public var vapidSubject: String?

    /// The defaults.
    public init() {}
}
