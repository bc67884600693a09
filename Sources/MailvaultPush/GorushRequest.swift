import Foundation

/// The mobile platform of a gorush notification, numbered as gorush numbers them.
public enum GorushPlatform: Int, Codable, Sendable, CaseIterable {
    /// Apple Push Notification service.
    case ios = 1
    /// Firebase Cloud Messaging.
    case android = 2

    /// The name gorush writes in its logs (`"ios"`, `"android"`).
    public var name: String { self == .ios ? "ios" : "android" }
}

/// One notification object of gorush's `POST /api/push`: the same message to many tokens of
/// one platform.
public struct GorushNotification: Codable, Sendable, Equatable {
    /// Device tokens (APNs hex tokens or FCM registration tokens).
    public var tokens: [String]
    /// 1 iOS, 2 Android.
    public var platform: GorushPlatform
    /// The alert text the device shows (empty for a silent notification).
    public var message: String
    /// The APNs topic (the app's bundle id), required for iOS.
    public var topic: String?
    /// Custom data for the app: Mailvault puts the notification's fields here.
    public var data: [String: String]?
    /// APNs `content-available` / FCM data message: wake the app in the background.
    public var contentAvailable: Bool?
    /// `"high"` or `"normal"`.
    public var priority: String?

    enum CodingKeys: String, CodingKey {
        case tokens, platform, message, topic, data, priority
        case contentAvailable = "content_available"
    }

    /// A notification object.
    public init(tokens: [String], platform: GorushPlatform, message: String, topic: String? = nil,
                data: [String: String]? = nil, contentAvailable: Bool? = nil, priority: String? = nil) {
        self.tokens = tokens
        self.platform = platform
        self.message = message
        self.topic = topic
        self.data = data
        self.contentAvailable = contentAvailable
        self.priority = priority
    }

    /// The `data` gorush forwards for `notification`: its fields as strings (FCM data values are
    /// strings).
    public static func data(for notification: Notification) -> [String: String] {
        ["id": notification.id, "topic": notification.topic, "hash": notification.hash, "sent": String(notification.sent)]
    }
}

/// The body of gorush's `POST /api/push`: `{"notifications":[…]}`.
public struct GorushRequest: Codable, Sendable, Equatable {
    /// gorush's default `max_notification` (notification objects per request).
    public static let maximumNotifications = 100
    /// Tokens per notification object: FCM's multicast limit (500); APNs sends one by one, so the
    /// same bound keeps one object's work bounded.
    public static let maximumTokens = 500

    /// The notification objects.
    public var notifications: [GorushNotification]

    /// A request of the given objects.
    public init(notifications: [GorushNotification]) {
        self.notifications = notifications
    }

    /// The canonical JSON body (sorted keys).
    public var json: [UInt8] { Notification.encode(self) }

    /// Requests that deliver `template` to every token of `tokens`: tokens split into objects of
    /// at most `tokensPerNotification`, objects into requests of at most `notificationsPerRequest`.
    public static func batches(of template: GorushNotification, tokens: [String],
                               tokensPerNotification: Int = maximumTokens,
                               notificationsPerRequest: Int = maximumNotifications) -> [GorushRequest] {
        let perObject = max(1, tokensPerNotification)
        let perRequest = max(1, notificationsPerRequest)
        var objects: [GorushNotification] = []
        var start = 0
        while start < tokens.count {
            var object = template
            object.tokens = Array(tokens[start..<min(start + perObject, tokens.count)])
            objects.append(object)
            start += perObject
        }
        return stride(from: 0, to: objects.count, by: perRequest).map {
            GorushRequest(notifications: Array(objects[$0..<min($0 + perRequest, objects.count)]))
        }
    }
}
