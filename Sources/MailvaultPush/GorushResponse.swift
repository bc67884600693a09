import Foundation

/// gorush's answer to `POST /api/push`:
/// `{"counts":N,"logs":[{"type":"failed-push","platform":"ios","token":"…","message":"…","error":"…"}],"success":"ok"}`.
/// `logs` lists failures only when gorush runs with `sync: true`; otherwise it is empty and
/// failures show in gorush's own logs.
public struct GorushResponse: Sendable, Equatable {
    /// One token gorush could not deliver to.
    public struct Failure: Sendable, Equatable {
        /// The device token.
        public let token: String
        /// `"ios"` or `"android"` as gorush wrote it.
        public let platform: String
        /// The error APNs or FCM returned, as gorush wrote it.
        public let error: String

        /// Whether the error means the token will never work again, so its registration is
        /// removed: APNs `BadDeviceToken`, `Unregistered`, `DeviceTokenNotForTopic`; FCM
        /// `NotRegistered`, `InvalidRegistration`, `UNREGISTERED` and the Admin SDK's
        /// `registration-token-not-registered`. Transient errors (quota, unavailable) are not.
        public var isInvalidToken: Bool { GorushResponse.isInvalidTokenError(error) }
    }

    /// `"ok"` when gorush accepted the request.
    public let success: String
    /// How many notifications gorush queued.
    public let counts: Int
    /// The tokens that failed (`failed-push` log entries).
    public let failures: [Failure]

    /// Tokens whose registrations should be removed.
    public var invalidTokens: [String] { failures.filter(\.isInvalidToken).map(\.token) }

    /// Parses gorush's answer; at most 16 MiB.
    public init(json: [UInt8]) throws(PushError) {
        guard json.count <= 16 << 20 else { throw .malformedGorushResponse("over 16 MiB") }
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(json))
        } catch {
            throw .malformedGorushResponse("not {\"counts\",\"logs\",\"success\"}")
        }
        guard let success = wire.success else { throw .malformedGorushResponse("no success member") }
        self.success = success
        counts = wire.counts ?? 0
        failures = (wire.logs ?? []).compactMap { entry in
            guard entry.type == "failed-push", let token = entry.token else { return nil }
            return Failure(token: token, platform: entry.platform ?? "", error: entry.error ?? "")
        }
    }

    static let invalidTokenErrors = ["baddevicetoken", "unregistered", "devicetokennotfortopic", "notregistered",
                                     "invalidregistration", "registration-token-not-registered"]

    /// The classifier behind `Failure.isInvalidToken` (case-insensitive, on the error text).
    public static func isInvalidTokenError(_ error: String) -> Bool {
        let text = error.lowercased()
        return invalidTokenErrors.contains { text.contains($0) }
    }

    private struct Wire: Decodable {
        struct Log: Decodable {
            let type: String?
            let platform: String?
            let token: String?
            let message: String?
            let error: String?
        }
        let success: String?
        let counts: Int?
        let logs: [Log]?
    }
}
