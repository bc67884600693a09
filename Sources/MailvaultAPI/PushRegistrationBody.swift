import Foundation
import MailvaultCore

/// The document a client signs to register for push notifications (kind `push-registration`,
/// Docs/Push.md): what to watch, where to deliver, and the version and expiry that order and end
/// it. Parsing is strict: unknown fields, a missing field, both or neither of `topics` and
/// `bloom`, or not exactly one target are refused, each with the field at fault.
///
/// ```json
/// {"name":"phone-1","version":3,"expires":1767225600,"topics":["0x01020304"],
///  "target":{"gorush":{"token":"…","platform":"ios","apnsTopic":"im.status.ethereum"}}}
/// ```
public struct PushRegistrationBody: Sendable, Equatable {
    /// The client's name for this registration (an installation id): 1 to 64 of `A-Z a-z 0-9 . _ -`.
    /// With the signer's address it makes the registration's id.
    public var name: String
    /// Strictly increasing per registration: a document whose version is not above the stored one
    /// is a replay and is refused.
    public var version: UInt64
    /// Unix seconds after which the registration stops and is removed unless a newer version renews it.
    public var expires: UInt32
    /// What to watch.
    public var watch: PushWatch
    /// Where to deliver.
    public var target: PushTarget

    /// The most topics a document may list, whatever the node's own (lower) cap; the same bound
    /// as a history query's (`HistoryQuery.maximumTopics`).
    public static let maximumTopics = 1000
    /// The longest URL accepted (webhook, Web Push endpoint).
    public static let maximumURLLength = 2048
    /// The longest device token accepted (APNs tokens are 64 hex digits, FCM tokens about 160 characters).
    public static let maximumTokenLength = 4096

    /// A registration with every field given.
    public init(name: String, version: UInt64, expires: UInt32, watch: PushWatch, target: PushTarget) {
        self.name = name
        self.version = version
        self.expires = expires
        self.watch = watch
        self.target = target
    }

    /// Parses a document (the `document` string of the signed form, as bytes).
    public init(json: [UInt8]) throws(APIError) {
        self = try JSONErrors.decode(Decoded.self, from: json).body
    }

    /// Whether `name` is a valid registration name.
    public static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        return (1...64).contains(bytes.count) && bytes.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    /// The document in its canonical form (sorted keys), as a client signs it.
    public var json: [UInt8] {
        var object: [String: Any] = ["name": name, "version": version, "expires": expires, "target": target.object]
        switch watch {
        case .topics(let topics): object["topics"] = topics.map(\.description)
        case .bloom(let bloom): object["bloom"] = Hex.encode(bloom.bytes, prefix: true)
        }
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data())
    }

    private struct Decoded: Decodable {
        var body: PushRegistrationBody

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: JSONKey.self)
            try JSONErrors.requireOnly(["name", "version", "expires", "topics", "bloom", "target"], in: container)
            let name = try JSONErrors.field(String.self, "name", in: container)
            guard PushRegistrationBody.isValidName(name) else {
                throw APIError.malformedBody("name must be 1 to 64 of A-Z a-z 0-9 . _ -", field: "name")
            }
            let version = try JSONErrors.field(UInt64.self, "version", in: container)
            guard version > 0 else { throw APIError.malformedBody("version starts at 1", field: "version") }
            let expires = try JSONErrors.field(UInt32.self, "expires", in: container)
            let watch: PushWatch
            switch (container.contains(JSONKey("topics")), container.contains(JSONKey("bloom"))) {
            case (true, false):
                let texts = try JSONErrors.field([String].self, "topics", in: container)
                guard !texts.isEmpty else { throw APIError.malformedBody("topics is empty", field: "topics") }
                guard texts.count <= PushRegistrationBody.maximumTopics else {
                    throw APIError.malformedBody("at most \(PushRegistrationBody.maximumTopics) topics, got \(texts.count)", field: "topics")
                }
                var topics: [Topic] = []
                topics.reserveCapacity(texts.count)
                for (index, text) in texts.enumerated() {
                    let field = "topics[\(index)]"
                    guard let topic = Topic(bytes: try JSONErrors.hex(text, field: field)) else {
                        throw APIError.malformedBody("\(field) is not 4 bytes", field: field)
                    }
                    topics.append(topic)
                }
                guard Set(topics).count == topics.count else {
                    throw APIError.malformedBody("topics lists a topic twice", field: "topics")
                }
                watch = .topics(topics)
            case (false, true):
                let text = try JSONErrors.field(String.self, "bloom", in: container)
                guard let bloom = Bloom(bytes: try JSONErrors.hex(text, field: "bloom")) else {
                    throw APIError.malformedBody("bloom is not 64 bytes", field: "bloom")
                }
                guard bloom != .empty, !bloom.isFull else {
                    // A full (or empty, which reads as full) bloom would notify of every envelope.
                    throw APIError.malformedBody("bloom must not match every topic", field: "bloom")
                }
                watch = .bloom(bloom)
            default:
                throw APIError.malformedBody("give exactly one of topics and bloom", field: "topics")
            }
            let target = try container.decode(PushTarget.Decoded.self, forKey: JSONKey("target")).target
            body = PushRegistrationBody(name: name, version: version, expires: expires, watch: watch, target: target)
        }
    }
}

/// What a registration watches: listed topics, or a bloom filter (go-ethereum's matching rule).
public enum PushWatch: Sendable, Equatable {
    /// These topics, each at most once.
    case topics([Topic])
    /// Every topic whose bloom the filter matches.
    case bloom(Bloom)
}

/// Where a registration's notifications go: exactly one of three targets.
public enum PushTarget: Sendable, Equatable {
    /// A mobile device through the operator's gorush (`--gorush-url`): its token, platform and,
    /// for iOS, the APNs topic (the app's bundle id).
    case gorush(token: String, platform: Platform, apnsTopic: String?)
    /// A Web Push subscription (RFC 8030): the push service endpoint, the user agent's P-256 key
    /// (`p256dh`, 65 bytes uncompressed) and its authentication secret (`auth`, 16 bytes), RFC 8291.
    case webPush(endpoint: String, p256dh: [UInt8], auth: [UInt8])
    /// A URL the node POSTs signed notifications to (Standard Webhooks); the node makes the secret.
    case webhook(url: String)

    /// A gorush platform, with gorush's number for it.
    public enum Platform: String, Sendable, Equatable {
        /// APNs, gorush platform 1.
        case ios
        /// Firebase Cloud Messaging, gorush platform 2.
        case android

        /// gorush's `platform` value.
        public var gorushNumber: Int { self == .ios ? 1 : 2 }
    }

    /// `gorush`, `webPush` or `webhook`.
    public var kind: String {
        switch self {
        case .gorush: "gorush"
        case .webPush: "webPush"
        case .webhook: "webhook"
        }
    }

    /// The URL the node will connect to, when the client chose it (Web Push, webhook).
    public var clientURL: String? {
        switch self {
        case .gorush: nil
        case .webPush(let endpoint, _, _): endpoint
        case .webhook(let url): url
        }
    }

    var object: [String: Any] {
        switch self {
        case .gorush(let token, let platform, let apnsTopic):
            var fields: [String: Any] = ["token": token, "platform": platform.rawValue]
            if let apnsTopic { fields["apnsTopic"] = apnsTopic }
            return ["gorush": fields]
        case .webPush(let endpoint, let p256dh, let auth):
            return ["webPush": ["endpoint": endpoint, "p256dh": Base64URLText.encode(p256dh), "auth": Base64URLText.encode(auth)]]
        case .webhook(let url):
            return ["webhook": ["url": url]]
        }
    }

    /// A client-chosen URL's shape: 1 to `maximumURLLength` printable ASCII characters starting
    /// with `https://` or `http://`. Whether the node may call it is the push service's
    /// destination policy, checked at registration and again at every delivery.
    static func url(_ text: String, field: String) throws(APIError) -> String {
        guard (1...PushRegistrationBody.maximumURLLength).contains(text.utf8.count),
              text.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .malformedBody("\(field) is 1 to \(PushRegistrationBody.maximumURLLength) printable ASCII characters", field: field)
        }
        let lower = text.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            throw .malformedBody("\(field) must be an https URL", field: field)
        }
        return text
    }

    struct Decoded: Decodable {
        var target: PushTarget

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: JSONKey.self)
            try JSONErrors.requireOnly(["gorush", "webPush", "webhook"], in: container)
            guard container.allKeys.count == 1, let key = container.allKeys.first else {
                throw APIError.malformedBody("target names exactly one of gorush, webPush and webhook", field: "target")
            }
            let inner = try container.nestedContainer(keyedBy: JSONKey.self, forKey: key)
            switch key.stringValue {
            case "gorush":
                try JSONErrors.requireOnly(["token", "platform", "apnsTopic"], in: inner)
                let token = try JSONErrors.field(String.self, "token", in: inner)
                guard (1...PushRegistrationBody.maximumTokenLength).contains(token.utf8.count),
                      token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                    throw APIError.malformedBody("the token is 1 to \(PushRegistrationBody.maximumTokenLength) printable ASCII characters",
                                                 field: "target.gorush.token")
                }
                guard let platform = Platform(rawValue: try JSONErrors.field(String.self, "platform", in: inner)) else {
                    throw APIError.malformedBody("platform is ios or android", field: "target.gorush.platform")
                }
                var apnsTopic: String?
                if inner.contains(JSONKey("apnsTopic")) {
                    let topic = try JSONErrors.field(String.self, "apnsTopic", in: inner)
                    guard platform == .ios else {
                        throw APIError.malformedBody("apnsTopic is for ios only", field: "target.gorush.apnsTopic")
                    }
                    guard (1...255).contains(topic.utf8.count), topic.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                        throw APIError.malformedBody("apnsTopic is 1 to 255 printable ASCII characters", field: "target.gorush.apnsTopic")
                    }
                    apnsTopic = topic
                }
                if platform == .ios && apnsTopic == nil {
                    throw APIError.malformedBody("an ios target needs apnsTopic (the app's bundle id)", field: "target.gorush.apnsTopic")
                }
                target = .gorush(token: token, platform: platform, apnsTopic: apnsTopic)
            case "webPush":
                try JSONErrors.requireOnly(["endpoint", "p256dh", "auth"], in: inner)
                let endpoint = try PushTarget.url(try JSONErrors.field(String.self, "endpoint", in: inner), field: "target.webPush.endpoint")
                guard let key = Base64URLText.decode(try JSONErrors.field(String.self, "p256dh", in: inner)), key.count == 65, key[0] == 4 else {
                    throw APIError.malformedBody("p256dh is an uncompressed P-256 point (65 bytes, base64url)", field: "target.webPush.p256dh")
                }
                guard let auth = Base64URLText.decode(try JSONErrors.field(String.self, "auth", in: inner)), auth.count == 16 else {
                    throw APIError.malformedBody("auth is 16 bytes, base64url", field: "target.webPush.auth")
                }
                target = .webPush(endpoint: endpoint, p256dh: key, auth: auth)
            default:
                try JSONErrors.requireOnly(["url"], in: inner)
                target = .webhook(url: try PushTarget.url(try JSONErrors.field(String.self, "url", in: inner), field: "target.webhook.url"))
            }
        }
    }
}

/// The document that deletes a registration (kind `push-deletion`): its name and a version above
/// the stored one, signed by the key that registered it.
public struct PushDeletionBody: Sendable, Equatable {
    /// The registration's name.
    public var name: String
    /// Above the stored registration's version.
    public var version: UInt64

    /// A deletion document.
    public init(name: String, version: UInt64) {
        self.name = name
        self.version = version
    }

    /// Parses a deletion document strictly.
    public init(json: [UInt8]) throws(APIError) {
        self = try JSONErrors.decode(Decoded.self, from: json).body
    }

    /// The canonical form a client signs.
    public var json: [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: ["name": name, "version": version], options: [.sortedKeys])) ?? Data())
    }

    private struct Decoded: Decodable {
        var body: PushDeletionBody

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: JSONKey.self)
            try JSONErrors.requireOnly(["name", "version"], in: container)
            let name = try JSONErrors.field(String.self, "name", in: container)
            guard PushRegistrationBody.isValidName(name) else {
                throw APIError.malformedBody("name must be 1 to 64 of A-Z a-z 0-9 . _ -", field: "name")
            }
            body = PushDeletionBody(name: name, version: try JSONErrors.field(UInt64.self, "version", in: container))
        }
    }
}

/// Unpadded base64url (RFC 4648 §5), as Web Push subscriptions carry keys; padding is tolerated
/// on input because browsers' `toJSON()` omits it but some libraries add it.
enum Base64URLText {
    static func decode(_ text: String) -> [UInt8]? {
        guard text.utf8.count <= 256, text.utf8.allSatisfy({ byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "=")
        }) else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.utf8.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map { Array($0) }
    }

    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
