import Foundation
import MailvaultAccountability
import MailvaultPush

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
    /// The node's VAPID key (RFC 8292), which signs every Web Push request; apps subscribe with
    /// its public key as `applicationServerKey`.
    public let vapid: VAPIDKey

    /// Opens the registry and the outbox in `dataDirectory/push`, and the VAPID key in
    /// `dataDirectory/push/vapid.key` (made on first start, readable by its owner only).
    public init(dataDirectory: String, configuration: PushConfiguration,
                delivery: PushDeliveryConfiguration = PushDeliveryConfiguration()) throws(PushRegistryError) {
        registry = try PushRegistry(dataDirectory: dataDirectory, configuration: configuration)
        outbox = try PushOutbox(dataDirectory: dataDirectory)
        queue = PushQueue()
        self.delivery = delivery
        do {
            vapid = try VAPIDKey.load(path: dataDirectory + "/push/vapid.key", create: true)
        } catch {
            throw .storage("\(error)")
        }
    }

    /// `dataDirectory/push`, made (mode 0700: it holds device tokens, webhook secrets and the
    /// VAPID key) when missing.
    static func directory(in dataDirectory: String) throws(PushRegistryError) -> String {
        let directory = dataDirectory + "/push"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw .storage("cannot create \(directory): \(error)")
        }
        return directory
    }

    /// What this node offers push clients, from the settings it serves by: the one source of
    /// the descriptor's `push` member and of `GET /v1/push`.
    public var offer: PushOffer {
        let configuration = registry.configuration
        let gorush = configuration.gorushURL != nil
        return PushOffer(targets: (gorush ? ["gorush"] : []) + ["webPush", "webhook"],
                         platforms: gorush ? ["android", "ios"] : [], vapidPublicKey: vapid.publicKeyBase64URL,
                         price: configuration.price, maximumPerKey: configuration.maximumPerKey,
                         maximumTopics: configuration.maximumTopics, maximumLifetime: configuration.maximumLifetime,
                         batchWindow: delivery.batchWindow, maximumAttempts: delivery.maximumAttempts,
                         maximumAge: delivery.maximumAge)
    }
}
