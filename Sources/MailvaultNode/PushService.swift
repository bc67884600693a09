/// A node's push notifications, opened from its data directory: the registrations, the outbox,
/// the queue the ingest pipeline feeds, and how delivery retries and batches.
public final class PushService: Sendable {
    /// The registrations.
    public let registry: PushRegistry
    /// Notifications written before they are attempted.
    public let outbox: PushOutbox
    /// Newly stored envelopes on their way to matching (an `IngestObserver`).
    public let queue: PushQueue
    /// Retries, batching, timeouts.
    public let delivery: PushDeliveryConfiguration

    /// Opens the registry and the outbox in `dataDirectory/push`.
    public init(dataDirectory: String, configuration: PushConfiguration,
                delivery: PushDeliveryConfiguration = PushDeliveryConfiguration()) throws(PushRegistryError) {
        registry = try PushRegistry(dataDirectory: dataDirectory, configuration: configuration)
        outbox = try PushOutbox(dataDirectory: dataDirectory)
        queue = PushQueue()
        self.delivery = delivery
    }
}
