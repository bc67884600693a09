import MailvaultAPI

/// A push-notification provider's offer, the `push` member of its signed descriptor and the
/// answer of `GET /v1/push`: where it delivers, the key Web Push subscriptions are made for, what
/// it charges, its caps, how long registrations last and how it batches and retries.
///
/// Decoding is strict (Docs/Accountability.md, "The push offer"): every field is required,
/// unknown fields, repeated or unknown targets and platforms, and values outside their bounds are
/// refused, so two implementations read an offer the same way or not at all.
public struct PushOffer: Codable, Sendable, Equatable {
    /// Registration target kinds, sorted and distinct: `gorush`, `webPush`, `webhook`.
    public var targets: [String]
    /// Mobile platforms reached through gorush, sorted and distinct (`android`, `ios`); empty
    /// exactly when `gorush` is not a target.
    public var platforms: [String]
    /// The node's VAPID public key (RFC 8292): 65 bytes, unpadded base64url (87 characters).
    public var vapidPublicKey: String
    /// What the provider charges.
    public var price: PushPrice
    /// Registrations one client key may hold.
    public var maximumPerKey: Int
    /// Topics one registration may watch.
    public var maximumTopics: Int
    /// How far ahead (seconds) a registration may expire; clients renew before.
    public var maximumLifetime: UInt32
    /// Seconds notifications wait to go out together (0: at once); up to this much latency.
    public var batchWindow: Double
    /// Delivery attempts before a notification is given up.
    public var maximumAttempts: Int
    /// Seconds after which an undelivered notification is given up.
    public var maximumAge: UInt32

    /// The target kinds a registration may name.
    public static let knownTargets: Set<String> = ["gorush", "webPush", "webhook"]
    /// The platforms gorush delivers to.
    public static let knownPlatforms: Set<String> = ["android", "ios"]
    /// Bounds of the counts (the parser refuses values outside them).
    public static let maximumPerKeyBound = 1_000_000
    public static let maximumAttemptsBound = 1_000_000
    public static let maximumBatchWindow = 3600.0

    /// An offer; `check()` says whether a parser would accept it.
    public init(targets: [String], platforms: [String], vapidPublicKey: String, price: PushPrice, maximumPerKey: Int,
                maximumTopics: Int, maximumLifetime: UInt32, batchWindow: Double, maximumAttempts: Int, maximumAge: UInt32) {
        self.targets = targets
        self.platforms = platforms
        self.vapidPublicKey = vapidPublicKey
        self.price = price
        self.maximumPerKey = maximumPerKey
        self.maximumTopics = maximumTopics
        self.maximumLifetime = maximumLifetime
        self.batchWindow = batchWindow
        self.maximumAttempts = maximumAttempts
        self.maximumAge = maximumAge
    }

    /// Checks the rules the parser applies (the price checked itself when it was made).
    public func check() throws(AccountabilityError) {
        func sortedDistinct(_ list: [String], within known: Set<String>) -> Bool {
            list.count <= known.count && list.allSatisfy(known.contains) && zip(list, list.dropFirst()).allSatisfy { $0 < $1 }
        }
        guard !targets.isEmpty, sortedDistinct(targets, within: PushOffer.knownTargets) else {
            throw .malformedDocument("push: targets are 1 to 3 of gorush, webPush, webhook, sorted and distinct")
        }
        guard sortedDistinct(platforms, within: PushOffer.knownPlatforms), platforms.isEmpty != targets.contains("gorush") else {
            throw .malformedDocument("push: platforms are android and/or ios, sorted and distinct, given exactly when gorush is a target")
        }
        guard PushOffer.isVAPIDKey(vapidPublicKey) else {
            throw .malformedDocument("push: vapidPublicKey is an uncompressed P-256 key, 87 characters of unpadded base64url")
        }
        guard (1...PushOffer.maximumPerKeyBound).contains(maximumPerKey),
              (1...PushRegistrationBody.maximumTopics).contains(maximumTopics),
              (1...PushOffer.maximumAttemptsBound).contains(maximumAttempts), maximumLifetime > 0, maximumAge > 0 else {
            throw .malformedDocument("push: maximumPerKey 1...\(PushOffer.maximumPerKeyBound), maximumTopics 1...\(PushRegistrationBody.maximumTopics), maximumAttempts 1...\(PushOffer.maximumAttemptsBound), maximumLifetime and maximumAge above 0")
        }
        guard batchWindow.isFinite, (0...PushOffer.maximumBatchWindow).contains(batchWindow) else {
            throw .malformedDocument("push: batchWindow is 0 to \(Int(PushOffer.maximumBatchWindow)) seconds")
        }
    }

    /// 87 characters of the base64url alphabet starting with `B` (the first byte is 0x04).
    static func isVAPIDKey(_ text: String) -> Bool {
        text.utf8.count == 87 && text.utf8.first == UInt8(ascii: "B") && text.utf8.allSatisfy {
            (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 45 || $0 == 95
        }
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case targets, platforms, vapidPublicKey, price, maximumPerKey, maximumTopics, maximumLifetime, batchWindow,
             maximumAttempts, maximumAge
    }

    /// Strict: see the type's documentation.
    public init(from decoder: any Decoder) throws {
        _ = try DocumentKey.container(decoder, known: Set(CodingKeys.allCases.map(\.rawValue)), what: "push")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(targets: try container.decode([String].self, forKey: .targets),
                  platforms: try container.decode([String].self, forKey: .platforms),
                  vapidPublicKey: try container.decode(String.self, forKey: .vapidPublicKey),
                  price: try container.decode(PushPrice.self, forKey: .price),
                  maximumPerKey: try container.decode(Int.self, forKey: .maximumPerKey),
                  maximumTopics: try container.decode(Int.self, forKey: .maximumTopics),
                  maximumLifetime: try container.decode(UInt32.self, forKey: .maximumLifetime),
                  batchWindow: try container.decode(Double.self, forKey: .batchWindow),
                  maximumAttempts: try container.decode(Int.self, forKey: .maximumAttempts),
                  maximumAge: try container.decode(UInt32.self, forKey: .maximumAge))
        do {
            try check()
        } catch {
            if case .malformedDocument(let reason) = error { throw DocumentKey.refuse(decoder, reason) }
            throw error
        }
    }
}
