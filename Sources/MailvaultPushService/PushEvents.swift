/// What the push service reports, for metrics: the HTTP edge counts these on `/metrics`.
public struct PushEvents: Sendable {
    /// Notifications written to the outbox.
    public var queued: @Sendable (Int) -> Void = { _ in }
    /// Notices dropped because the push service's queue was full.
    public var dropped: @Sendable (Int) -> Void = { _ in }
    /// One notification delivered, by target kind, with its latency from being written (seconds).
    public var delivered: @Sendable (_ kind: String, _ seconds: Double) -> Void = { _, _ in }
    /// One attempt failed, by reason (`timeout`, `connect`, `status5xx`, `status429`, `refused`, `invalidToken`, `gone`, ...).
    public var failed: @Sendable (_ reason: String) -> Void = { _ in }
    /// Notifications given up on (too many attempts, too old).
    public var deadLetters: @Sendable (Int) -> Void = { _ in }
    /// Registrations removed because their endpoint is gone (404, 410, invalid token).
    public var removed: @Sendable (Int) -> Void = { _ in }
    /// Live registrations and pending notifications, after each round.
    public var levels: @Sendable (_ registrations: Int, _ pending: Int) -> Void = { _, _ in }

    /// Reports nothing.
    public init() {}
}
