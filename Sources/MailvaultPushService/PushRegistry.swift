import Foundation
import MailvaultAccountability
import MailvaultAPI
import MailvaultCore
import MailvaultPush
import MailvaultStore
import Synchronization

/// The node's push registrations: checked, stored durably, indexed by topic.
///
/// Durability: an append-only log, `DATA_DIR/push/registrations.log`, one JSON line per change
/// (`put` with the signed document, or `delete` with the deleting version), appended and synced
/// (`AtomicFile.appendLine`) before a request is answered. A crash mid-append leaves at most an
/// unfinished last line, which the next start skips; nothing acknowledged is lost. When the log
/// holds more than twice the live records (plus 1024), it is rewritten whole (`AtomicFile.replace`:
/// written beside, synced, renamed). Registrations are small and few next to envelopes and the
/// topic index needs them all in memory anyway, so a log beats a second LMDB database here.
///
/// Deletions are remembered (a tombstone with the version and the deleted registration's expiry)
/// until that expiry, so a replayed older registration cannot bring a deleted one back.
///
/// Concurrency: one lock over the state; writes (and their fsync) are serialised under it.
public final class PushRegistry: Sendable {
    /// What the registry was told.
    public let configuration: PushConfiguration
    private let path: String
    private let state: Mutex<State>

    private struct Tombstone {
        var owner: ProviderAddress
        var version: UInt64
        var until: UInt32
    }

    private struct State {
        var live: [String: PushRegistration] = [:]
        var tombstones: [String: Tombstone] = [:]
        var byTopic: [Topic: Set<String>] = [:]
        var blooms: Set<String> = []
        var perKey: [ProviderAddress: Int] = [:]
        var perAddress: [String: Int] = [:]
        var lines = 0

        mutating func insert(_ registration: PushRegistration) {
            if let old = live[registration.id] { remove(old) }
            live[registration.id] = registration
            tombstones[registration.id] = nil
            switch registration.body.watch {
            case .topics(let topics): for topic in topics { byTopic[topic, default: []].insert(registration.id) }
            case .bloom: blooms.insert(registration.id)
            }
            perKey[registration.owner, default: 0] += 1
            perAddress[registration.client, default: 0] += 1
        }

        mutating func remove(_ registration: PushRegistration) {
            live[registration.id] = nil
            switch registration.body.watch {
            case .topics(let topics):
                for topic in topics {
                    byTopic[topic]?.remove(registration.id)
                    if byTopic[topic]?.isEmpty == true { byTopic[topic] = nil }
                }
            case .bloom:
                blooms.remove(registration.id)
            }
            perKey[registration.owner, default: 1] -= 1
            if perKey[registration.owner] == 0 { perKey[registration.owner] = nil }
            perAddress[registration.client, default: 1] -= 1
            if perAddress[registration.client] == 0 { perAddress[registration.client] = nil }
        }
    }

    /// Opens (or creates) the registry in `dataDirectory/push`, replaying its log.
    public init(dataDirectory: String, configuration: PushConfiguration) throws(PushRegistryError) {
        self.configuration = configuration
        let directory = try PushService.directory(in: dataDirectory)
        path = directory + "/registrations.log"
        var state = State()
        if let bytes = AtomicFile.read(path) {
            for line in bytes.split(separator: 10) {
                state.lines += 1
                // An unfinished last line (a crash mid-append) was never acknowledged: skip it.
                guard let record = try? LogRecord.decode(Array(line)) else { continue }
                switch record {
                case .put(let registration):
                    state.insert(registration)
                case .delete(let id, let owner, let version, let until):
                    if let old = state.live[id] { state.remove(old) }
                    state.tombstones[id] = Tombstone(owner: owner, version: version, until: until)
                }
            }
        }
        self.state = Mutex(state)
    }

    /// Live registrations.
    public var count: Int { state.withLock { $0.live.count } }

    /// The registration stored under `id`, if live at `now`.
    public func registration(id: String, now: UInt32) -> PushRegistration? {
        state.withLock { state in
            guard let registration = state.live[id], registration.body.expires > now else { return nil }
            return registration
        }
    }

    /// Checks and stores a signed registration from `client` (an address bucket). Returns the
    /// stored registration and whether it is new (its webhook secret is then shown once).
    public func register(_ signed: SignedDocument, client: String, now: UInt32) throws(PushRegistryError) -> (PushRegistration, created: Bool) {
        try PushRegistry.verify(signed, kind: PushRegistry.registrationKind)
        let body: PushRegistrationBody
        do {
            body = try PushRegistrationBody(json: signed.document)
        } catch {
            throw .malformed(error)
        }
        guard body.expires > now else { throw .badExpiry("expires is in the past") }
        guard body.expires - now <= configuration.maximumLifetime else {
            throw .badExpiry("expires is at most \(configuration.maximumLifetime) s ahead")
        }
        if case .topics(let topics) = body.watch, topics.count > configuration.maximumTopics {
            throw .malformed(.malformedBody("at most \(configuration.maximumTopics) topics, got \(topics.count)", field: "topics"))
        }
        switch body.target {
        case .gorush:
            guard configuration.gorushURL != nil else { throw .gorushUnavailable }
        case .webPush(let url, _, _), .webhook(let url):
            let field = body.target.kind == "webhook" ? "target.webhook.url" : "target.webPush.endpoint"
            do {
                try DestinationPolicy.checkBeforeResolving(url: url, allowHosts: configuration.allowHosts)
            } catch {
                throw .destinationRefused(APIError(status: 422, code: "destinationRefused", message: "\(field): \(error)", parameter: field))
            }
            if case .webPush(let endpoint, let p256dh, let auth) = body.target {
                do {
                    try WebPushSubscription(endpoint: endpoint, p256dh: p256dh, auth: auth).checkKey()
                } catch {
                    throw .malformed(.malformedBody("\(error)", field: "target.webPush.p256dh"))
                }
            }
        }
        let id = PushRegistration.id(signer: signed.signer, name: body.name)
        return try state.withLock { state throws(PushRegistryError) in
            let previous = state.live[id]
            if let previous, previous.body.expires <= now {
                // An expired registration is gone: a newer version is a new registration.
                state.remove(previous)
            }
            let current = state.live[id]
            if let stored = current?.body.version ?? state.tombstones[id].map(\.version), body.version <= stored {
                throw .staleVersion(stored: stored, given: body.version)
            }
            if current == nil {
                guard state.live.count < configuration.maximumTotal else {
                    throw .capReached(what: "registrations on this node", limit: configuration.maximumTotal)
                }
                guard state.perKey[signed.signer, default: 0] < configuration.maximumPerKey else {
                    throw .capReached(what: "registrations per client key", limit: configuration.maximumPerKey)
                }
                guard state.perAddress[client, default: 0] < configuration.maximumPerAddress else {
                    throw .capReached(what: "registrations per client address", limit: configuration.maximumPerAddress)
                }
            }
            // A renewal keeps its webhook secret; a new webhook (or a switch to one) gets a new one.
            var secret: String?
            var created = current == nil
            if case .webhook = body.target {
                if let kept = current?.secret {
                    secret = kept
                } else {
                    secret = WebhookSignature.generateSecret()
                    created = true
                }
            }
            let registration = PushRegistration(signed: signed, body: body, secret: secret,
                                                client: current?.client ?? client, storedAt: now)
            try append(LogRecord.put(registration).encoded, state: &state)
            state.insert(registration)
            return (registration, created)
        }
    }

    /// Deletes a registration with a signed deletion document (kind `push-deletion`) from its owner.
    public func delete(id: String, _ signed: SignedDocument, now: UInt32) throws(PushRegistryError) {
        try PushRegistry.verify(signed, kind: PushRegistry.deletionKind)
        let body: PushDeletionBody
        do {
            body = try PushDeletionBody(json: signed.document)
        } catch {
            throw .malformed(error)
        }
        guard PushRegistration.id(signer: signed.signer, name: body.name) == id else {
            throw .notOwner
        }
        try state.withLock { state throws(PushRegistryError) in
            guard let current = state.live[id], current.body.expires > now else { throw .notFound(id) }
            guard current.owner == signed.signer else { throw .notOwner }
            guard body.version > current.body.version else {
                throw .staleVersion(stored: current.body.version, given: body.version)
            }
            try append(LogRecord.delete(id: id, owner: current.owner, version: body.version, until: current.body.expires).encoded,
                       state: &state)
            state.remove(current)
            state.tombstones[id] = Tombstone(owner: current.owner, version: body.version, until: current.body.expires)
        }
    }

    /// Removes a registration the node gave up on (its endpoint answered 404 or 410, or gorush
    /// called its token invalid). Its tombstone keeps its version, so only a newer one restores it.
    public func remove(id: String, reason: String) throws(PushRegistryError) {
        try state.withLock { state throws(PushRegistryError) in
            guard let current = state.live[id] else { return }
            try append(LogRecord.delete(id: id, owner: current.owner, version: current.body.version, until: current.body.expires).encoded,
                       state: &state)
            state.remove(current)
            state.tombstones[id] = Tombstone(owner: current.owner, version: current.body.version, until: current.body.expires)
        }
    }

    /// Drops registrations and tombstones whose expiry has passed, and compacts the log when it
    /// is mostly history. Returns how many registrations expired.
    @discardableResult
    public func expire(now: UInt32) throws(PushRegistryError) -> Int {
        try state.withLock { state throws(PushRegistryError) in
            let expired = state.live.values.filter { $0.body.expires <= now }
            for registration in expired { state.remove(registration) }
            state.tombstones = state.tombstones.filter { $0.value.until > now }
            if !expired.isEmpty || state.lines > 2 * (state.live.count + state.tombstones.count) + 1024 {
                try compact(&state)
            }
            return expired.count
        }
    }

    /// The live registrations that watch `topic` at `now`.
    public func matching(_ topic: Topic, now: UInt32) -> [PushRegistration] {
        state.withLock { state in
            var ids = state.byTopic[topic] ?? []
            if !state.blooms.isEmpty {
                let sample = topic.bloom
                for id in state.blooms where state.live[id]?.body.watch.matches(sample) == true { ids.insert(id) }
            }
            return ids.compactMap { state.live[$0] }.filter { $0.body.expires > now }
        }
    }

    /// The signed-document kind of a registration.
    public static let registrationKind = "push-registration"
    /// The signed-document kind of a deletion.
    public static let deletionKind = "push-deletion"

    private static func verify(_ signed: SignedDocument, kind: String) throws(PushRegistryError) {
        guard signed.kind == kind else { throw .badSignature("the signed document's kind must be \(kind)") }
        guard signed.path.isEmpty else { throw .badSignature("a registration is signed alone, not in a batch") }
        do {
            try signed.verify()
        } catch {
            throw .badSignature("the signature does not verify: \(error)")
        }
    }

    private func append(_ line: [UInt8], state: inout State) throws(PushRegistryError) {
        do {
            try AtomicFile.appendLine(line, to: path)
        } catch {
            throw .storage("\(error)")
        }
        state.lines += 1
        if state.lines > 2 * (state.live.count + state.tombstones.count) + 1024 { try? compact(&state) }
    }

    private func compact(_ state: inout State) throws(PushRegistryError) {
        var lines = state.live.values.map { LogRecord.put($0).encoded }
        for (id, tombstone) in state.tombstones {
            lines.append(LogRecord.delete(id: id, owner: tombstone.owner, version: tombstone.version, until: tombstone.until).encoded)
        }
        do {
            try AtomicFile.replaceLines(path, with: lines)
        } catch {
            throw .storage("\(error)")
        }
        state.lines = lines.count
    }
}

extension PushWatch {
    /// Whether an envelope whose topic has bloom `sample` is watched.
    func matches(_ sample: Bloom) -> Bool {
        switch self {
        case .topics(let topics): topics.contains { $0.bloom == sample }
        case .bloom(let bloom): bloom.matches(sample)
        }
    }
}

/// One line of the registration log.
enum LogRecord {
    case put(PushRegistration)
    case delete(id: String, owner: ProviderAddress, version: UInt64, until: UInt32)

    var encoded: [UInt8] {
        let object: [String: Any]
        switch self {
        case .put(let registration):
            var fields: [String: Any] = [
                "op": "put",
                "signed": String(decoding: registration.signed.json, as: UTF8.self),
                "client": registration.client,
                "storedAt": registration.storedAt,
            ]
            if let secret = registration.secret { fields["secret"] = secret }
            object = fields
        case .delete(let id, let owner, let version, let until):
            object = ["op": "delete", "id": id, "owner": owner.description, "version": version, "until": until]
        }
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    struct Malformed: Error {}

    static func decode(_ line: [UInt8]) throws -> LogRecord {
        guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { throw Malformed() }
        switch object["op"] as? String {
        case "put":
            guard let text = object["signed"] as? String, let client = object["client"] as? String,
                  let storedAt = (object["storedAt"] as? NSNumber)?.uint32Value else { throw Malformed() }
            let signed = try SignedDocument(json: Array(text.utf8))
            let body = try PushRegistrationBody(json: signed.document)
            return .put(PushRegistration(signed: signed, body: body, secret: object["secret"] as? String, client: client,
                                         storedAt: storedAt))
        case "delete":
            guard let id = object["id"] as? String, let owner = object["owner"] as? String,
                  let version = (object["version"] as? NSNumber)?.uint64Value,
                  let until = (object["until"] as? NSNumber)?.uint32Value else { throw Malformed() }
            return .delete(id: id, owner: try ProviderAddress(hex: owner), version: version, until: until)
        default:
            throw Malformed()
        }
    }
}
