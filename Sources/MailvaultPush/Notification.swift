import Foundation
import MailvaultCore

/// What a push notification tells an app: a new envelope exists on a topic it watches. It never
/// carries the envelope's payload; the app fetches the envelope by `hash` from a store.
///
/// The same JSON is the webhook body, the Web Push plaintext and gorush's `data`. Its encoding is
/// canonical (sorted keys, no spaces): `{"hash":"0x…","id":"…","sent":N,"topic":"0x…"}`.
public struct Notification: Codable, Sendable, Equatable, Hashable {
    /// 32 hex digits derived from the registration and the envelope: the same notification
    /// keeps its id across retries and restarts, so receivers deduplicate on it.
    public let id: String
    /// The envelope's topic, `0x` + 8 hex digits.
    public let topic: String
    /// The envelope's hash, `0x` + 64 hex digits.
    public let hash: String
    /// The envelope's sent time (Expiry - TTL), Unix seconds.
    public let sent: UInt32

    /// The notification of `envelopeHash` for `registrationID`.
    public init(registrationID: String, topic: Topic, envelopeHash: Hash256, sent: UInt32) {
        id = Notification.id(registrationID: registrationID, envelopeHash: envelopeHash)
        self.topic = topic.description
        hash = envelopeHash.description
        self.sent = sent
    }

    /// `keccak256("mailvault/v1/notification" ++ 0x00 ++ registrationID ++ 0x00 ++ hash)`, the
    /// first 16 bytes in hex: deterministic, and distinct per registration so two apps cannot
    /// correlate their ids.
    public static func id(registrationID: String, envelopeHash: Hash256) -> String {
        var hasher = Keccak256()
        hasher.update("mailvault/v1/notification".utf8)
        hasher.update(CollectionOfOne(UInt8(0)))
        hasher.update(registrationID.utf8)
        hasher.update(CollectionOfOne(UInt8(0)))
        hasher.update(envelopeHash.bytes)
        return Hex.encode(hasher.finalize().bytes.prefix(16))
    }

    /// The canonical JSON.
    public var json: [UInt8] { Notification.encode(self) }

    /// `{"notifications":[…]}`, the body of a batching window's delivery, in the given order.
    public static func batchJSON(_ notifications: [Notification]) -> [UInt8] {
        encode(NotificationBatch(notifications: notifications))
    }

    /// A notification parsed from its JSON (receivers' side), each field checked for shape.
    public init(json: [UInt8]) throws(PushError) {
        let decoded: Notification
        do {
            decoded = try JSONDecoder().decode(Notification.self, from: Data(json))
        } catch {
            throw .malformedNotification("not {\"hash\",\"id\",\"sent\",\"topic\"}")
        }
        try decoded.checkShape()
        self = decoded
    }

    /// The notifications of a batch body, or of a single notification's body.
    public static func parseBody(_ json: [UInt8]) throws(PushError) -> [Notification] {
        guard json.count <= 4 << 20 else { throw .malformedNotification("the body is over 4 MiB") }
        if let batch = try? JSONDecoder().decode(NotificationBatch.self, from: Data(json)) {
            for notification in batch.notifications { try notification.checkShape() }
            return batch.notifications
        }
        return [try Notification(json: json)]
    }

    func checkShape() throws(PushError) {
        guard id.utf8.count == 32, (try? Hex.decode(id))?.count == 16 else { throw .malformedNotification("id is not 32 hex digits") }
        guard topic.utf8.count == 10, (try? Topic(hex: topic)) != nil else { throw .malformedNotification("topic is not 0x + 4 bytes") }
        guard hash.utf8.count == 66, (try? Hash256(hex: hash)) != nil else { throw .malformedNotification("hash is not 0x + 32 bytes") }
    }

    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(value)) ?? Data())
    }
}

private struct NotificationBatch: Codable {
    let notifications: [Notification]
}
