import AsyncHTTPClient
import Foundation
import Logging
import MailvaultAPI
import MailvaultCore
import MailvaultPush
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// The push service (Docs/Push.md): drains the `PushQueue`, matches each notice against the
/// registry's topic index, writes the notifications to the `PushOutbox` (durable before any
/// attempt), and delivers what is due: gorush in batches of many tokens, Web Push encrypted per
/// RFC 8291 and authorised with VAPID, webhooks signed per Standard Webhooks. Retries back off
/// exponentially with jitter and honour `Retry-After`; 404 and 410 (or a token gorush calls
/// invalid) remove the registration; too many attempts or too much age make a dead letter.
///
/// Deliveries run concurrently (at most `concurrency` requests) and never hold up the loop: a
/// slow receiver delays only its own notifications. A client's URL is checked again at each
/// delivery: its host resolved, every address checked by the destination policy, and the
/// connection pinned to a checked address (TLS still verifies the certificate for the name).
public struct PushDeliverer: Service {
    let service: PushService
    let clock: @Sendable () -> Double
    let logger: Logger
    let events: PushEvents
    let connections: PinnedConnections

    var registry: PushRegistry { service.registry }
    var outbox: PushOutbox { service.outbox }
    var configuration: PushDeliveryConfiguration { service.delivery }

    /// A push service delivering for `service`; `clock` is Unix seconds.
    public init(service: PushService, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
                logger: Logger, events: PushEvents = PushEvents()) {
        self.service = service
        self.clock = clock
        self.logger = logger
        self.events = events
        connections = PinnedConnections(timeout: service.delivery.requestTimeout)
    }

    public func run() async throws {
        let inFlight = InFlight()
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let free = max(0, configuration.concurrency - inFlight.count.load(ordering: .relaxed))
                for job in pass(capacity: free) {
                    inFlight.count.add(1, ordering: .relaxed)
                    group.addTask {
                        await self.finish(await job())
                        inFlight.count.subtract(1, ordering: .relaxed)
                    }
                }
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(20)) }
            }
        }
        await connections.shutdown()
    }

    typealias Job = @Sendable () async -> [Outcome]

    /// One pass: match what arrived, and turn up to `capacity` requests' worth of due
    /// notifications into jobs.
    func pass(capacity: Int) -> [Job] {
        let now = clock()
        let (notices, dropped) = service.queue.drain()
        if dropped > 0 { events.dropped(dropped) }
        if !notices.isEmpty { enqueue(notices, now: now) }
        events.levels(registry.count, outbox.count)
        guard capacity > 0 else { return [] }
        // A gorush request carries many notifications, so one slot may take many entries.
        let due = outbox.take(now: now, limit: capacity * configuration.gorushNotificationsPerRequest * 8)
        guard !due.isEmpty else { return [] }
        let planned = jobs(for: due, now: now)
        var requests = planned.requests
        let finished = planned.finished
        // At most `capacity` requests: the entries of the others go back, due as they were.
        if requests.count > capacity {
            outbox.release(requests[capacity...].flatMap(\.ids))
            requests.removeSubrange(capacity...)
        }
        logger.debug("push deliveries planned", metadata: ["notifications": "\(due.count)", "requests": "\(requests.count)",
                                                          "milliseconds": "\(Int((clock() - now) * 1000))"])
        return requests.map(\.run) + (finished.isEmpty ? [] : [{ finished }])
    }

    private func enqueue(_ notices: [PushNotice], now: Double) {
        let second = UInt32(now)
        let due = windowEnd(after: now)
        var entries: [PushOutbox.Entry] = []
        for notice in notices {
            for registration in registry.matching(notice.topic, now: second) {
                entries.append(PushOutbox.Entry(id: Notification.id(registrationID: registration.id, envelopeHash: notice.hash),
                                                registration: registration.id, notice: notice, created: second, due: due))
            }
        }
        guard !entries.isEmpty else { return }
        let matched = clock()
        do {
            events.queued(try outbox.add(entries))
            logger.debug("push notifications written", metadata: ["count": "\(entries.count)",
                                                                  "matchMilliseconds": "\(Int((matched - now) * 1000))",
                                                                  "writeMilliseconds": "\(Int((clock() - matched) * 1000))"])
        } catch {
            // Nothing was written, so nothing will be attempted: the notices are lost, loudly.
            logger.error("push outbox write failed", metadata: ["error": "\(error)", "notifications": "\(entries.count)"])
            events.failed("outbox")
        }
    }

    /// The end of the batching window `now` falls in (now itself without windows).
    private func windowEnd(after now: Double) -> Double {
        guard configuration.batchWindow > 0 else { return now }
        return (now / configuration.batchWindow).rounded(.up) * configuration.batchWindow
    }

    /// The requests for `due` (gorush entries in batches, the rest one request each), each with
    /// the ids of the notifications it carries, and the outcomes of entries that finish at once:
    /// their registration is gone, or they ran out of attempts or time.
    private func jobs(for due: [PushOutbox.Entry], now: Double) -> (requests: [(ids: [String], run: Job)], finished: [Outcome]) {
        var finished: [Outcome] = []
        var gorush: [(PushOutbox.Entry, PushRegistration)] = []
        var webhooks: [String: [PushOutbox.Entry]] = [:]
        var webhookOrder: [PushRegistration] = []
        var jobs: [(ids: [String], run: Job)] = []
        for entry in due {
            guard let registration = registry.registration(id: entry.registration, now: UInt32(now)) else {
                finished.append(Outcome(entry: entry, kind: "none", result: .dropped)) // deleted or expired
                continue
            }
            if UInt32(now) > entry.created &+ configuration.maximumAge || entry.attempts >= configuration.maximumAttempts {
                finished.append(Outcome(entry: entry, kind: registration.body.target.kind, result: .dead))
                continue
            }
            switch registration.body.target {
            case .gorush:
                gorush.append((entry, registration))
            case .webhook where configuration.batchWindow > 0:
                // A batching window's notifications for one webhook go in one request.
                if webhooks[registration.id] == nil { webhookOrder.append(registration) }
                webhooks[registration.id, default: []].append(entry)
            default:
                jobs.append(([entry.id], { await self.send([entry], registration) }))
            }
        }
        for registration in webhookOrder {
            let entries = webhooks[registration.id] ?? []
            jobs.append((entries.map(\.id), { await self.send(entries, registration) }))
        }
        for batch in gorushBatches(gorush) {
            jobs.append((batch.flatMap { $0.members.map(\.entry.id) }, { await self.sendGorush(batch) }))
        }
        return (jobs, finished)
    }

    /// Records what a job's attempts came to: finished ones leave the outbox in one synced
    /// write, failed ones are scheduled again, gone endpoints lose their registration.
    private func finish(_ outcomes: [Outcome]) async {
        var finished: [String] = []
        var retries: [(id: String, due: Double)] = []
        var removed = Set<String>()
        for outcome in outcomes {
            switch outcome.result {
            case .delivered:
                finished.append(outcome.entry.id)
                events.delivered(outcome.kind, max(0, clock() - Double(outcome.entry.created)))
            case .dropped:
                finished.append(outcome.entry.id)
            case .dead:
                finished.append(outcome.entry.id)
                events.deadLetters(1)
                logger.warning("push dead letter", metadata: ["id": "\(outcome.entry.id)", "attempts": "\(outcome.entry.attempts)"])
            case .gone(let reason):
                finished.append(outcome.entry.id)
                events.failed(reason)
                if removed.insert(outcome.entry.registration).inserted {
                    try? registry.remove(id: outcome.entry.registration, reason: reason)
                    events.removed(1)
                    logger.info("push registration removed", metadata: ["id": "\(outcome.entry.registration)", "reason": "\(reason)"])
                }
            case .retry(let reason, let after):
                events.failed(reason)
                retries.append((outcome.entry.id, clock() + delay(attempts: outcome.entry.attempts, retryAfter: after)))
            }
        }
        do {
            try outbox.record(finished: finished, retries: retries)
        } catch {
            // Delivered but not marked: they go again after a restart (at least once).
            logger.error("push outbox write failed", metadata: ["error": "\(error)"])
        }
    }

    /// Exponential back-off with ±50% jitter, never shorter than the receiver's `Retry-After`.
    func delay(attempts: Int, retryAfter: Double?) -> Double {
        let exponential = min(configuration.retryCeiling, configuration.retryBase * pow(2, Double(min(attempts, 30))))
        let jittered = exponential * Double.random(in: 0.5...1.5)
        return min(max(jittered, retryAfter ?? 0), 3600)
    }

    struct Outcome: Sendable {
        enum Result: Sendable {
            case delivered
            /// The registration is gone (deleted, expired): nothing to deliver to.
            case dropped
            /// Out of attempts or time.
            case dead
            /// The endpoint or token is gone for good: the registration is removed.
            case gone(String)
            case retry(String, after: Double?)
        }
        var entry: PushOutbox.Entry
        var kind: String
        var result: Result
    }

    // MARK: gorush

    struct GorushGroup: Sendable {
        var object: GorushNotification
        var members: [(entry: PushOutbox.Entry, token: String)]
    }

    /// Requests of up to `gorushNotificationsPerRequest` objects, each one envelope to up to
    /// `gorushTokensPerNotification` tokens of one platform and APNs topic.
    ///
    /// Every device in an object receives the same `data`, so its `id` is the envelope's
    /// (`Notification.id` with the registration id `gorush`), never another device's: devices
    /// learn nothing of each other, and the outbox still tracks each registration's delivery.
    private func gorushBatches(_ items: [(PushOutbox.Entry, PushRegistration)]) -> [[GorushGroup]] {
        struct Key: Hashable {
            var hash: Hash256
            var platform: PushTarget.Platform
            var apnsTopic: String?
        }
        var groups: [GorushGroup] = []
        var open: [Key: Int] = [:] // the group still taking tokens, per key
        let perObject = max(1, configuration.gorushTokensPerNotification)
        for (entry, registration) in items {
            guard case .gorush(let token, let platform, let apnsTopic) = registration.body.target else { continue }
            let key = Key(hash: entry.notice.hash, platform: platform, apnsTopic: apnsTopic)
            let index: Int
            if let current = open[key], groups[current].members.count < perObject {
                index = current
            } else {
                let notification = Notification(registrationID: "gorush", topic: entry.notice.topic, envelopeHash: entry.notice.hash,
                                                sent: entry.notice.sent)
                let object = GorushNotification(tokens: [], platform: platform == .ios ? .ios : .android, message: "New message",
                                                topic: apnsTopic, data: GorushNotification.data(for: notification),
                                                contentAvailable: true)
                groups.append(GorushGroup(object: object, members: []))
                index = groups.count - 1
                open[key] = index
            }
            groups[index].members.append((entry, token))
            groups[index].object.tokens.append(token)
        }
        let perRequest = max(1, configuration.gorushNotificationsPerRequest)
        return stride(from: 0, to: groups.count, by: perRequest).map { Array(groups[$0..<min(groups.count, $0 + perRequest)]) }
    }

    private func sendGorush(_ batch: [GorushGroup]) async -> [Outcome] {
        let members = batch.flatMap(\.members)
        func all(_ result: Outcome.Result) -> [Outcome] { members.map { Outcome(entry: $0.entry, kind: "gorush", result: result) } }
        guard let base = registry.configuration.gorushURL else { return all(.gone("gorushUnavailable")) }
        let started = clock()
        let body = GorushRequest(notifications: batch.map(\.object)).json
        let url = base.hasSuffix("/") ? base + "api/push" : base + "/api/push"
        defer {
            logger.debug("gorush request", metadata: ["tokens": "\(members.count)", "bytes": "\(body.count)",
                                                     "milliseconds": "\(Int((clock() - started) * 1000))"])
        }
        let answer: Answer
        do {
            // The operator's own gorush: trusted, so not put through the destination policy.
            answer = try await connections.post(url: url, pinnedTo: nil, body: body,
                                                headers: ["Content-Type": "application/json"], timeout: configuration.requestTimeout)
        } catch {
            return all(.retry(error.reason, after: nil))
        }
        guard answer.status == 200 else { return all(classify(answer.status, retryAfter: answer.retryAfter)) }
        // gorush lists failed tokens in `logs` (with `core.sync: true`); an invalid token removes
        // its registration, other failures are retried.
        guard let response = try? GorushResponse(json: answer.body) else { return all(.retry("gorushAnswer", after: nil)) }
        let invalid = Set(response.invalidTokens)
        let failed = Set(response.failures.map(\.token))
        return members.map { member in
            let result: Outcome.Result = invalid.contains(member.token) ? .gone("invalidToken")
                : failed.contains(member.token) ? .retry("gorushFailed", after: nil) : .delivered
            return Outcome(entry: member.entry, kind: "gorush", result: result)
        }
    }

    // MARK: Web Push and webhooks

    /// One request for `entries` (one notification, or a batching window's for one webhook
    /// registration); every entry gets the request's outcome.
    private func send(_ entries: [PushOutbox.Entry], _ registration: PushRegistration) async -> [Outcome] {
        let kind = registration.body.target.kind
        func all(_ result: Outcome.Result) -> [Outcome] { entries.map { Outcome(entry: $0, kind: kind, result: result) } }
        let notifications = entries.map { entry in
            Notification(registrationID: registration.id, topic: entry.notice.topic, envelopeHash: entry.notice.hash, sent: entry.notice.sent)
        }
        guard let first = notifications.first else { return [] }
        let payload = notifications.count == 1 ? first.json : Notification.batchJSON(notifications)
        let now = clock()
        let url: String
        var headers: [String: String]
        let body: [UInt8]
        switch registration.body.target {
        case .gorush:
            return all(.dropped)
        case .webhook(let target):
            guard let secret = registration.secret,
                  let signature = try? WebhookSignature.sign(id: first.id, timestamp: Int64(now), payload: payload, secret: secret)
            else { return all(.gone("badSecret")) }
            url = target
            body = payload
            headers = ["Content-Type": "application/json", "webhook-id": first.id, "webhook-timestamp": "\(Int64(now))",
                       "webhook-signature": signature]
        case .webPush(let endpoint, let p256dh, let auth):
            do {
                let subscription = try WebPushSubscription(endpoint: endpoint, p256dh: p256dh, auth: auth)
                body = try WebPushEncryption.encrypt(payload: payload, to: subscription)
            } catch {
                return all(.gone("badSubscription"))
            }
            url = endpoint
            // RFC 8030: how long the push service may hold it (the rest of the day in which the
            // app can still fetch the envelope from a store), and a normal urgency.
            let ttl = max(60, Int64(first.sent) + 86_400 - Int64(now))
            headers = ["Content-Type": "application/octet-stream", "Content-Encoding": "aes128gcm", "TTL": "\(ttl)",
                       "Urgency": "normal"]
        }
        let destination: DestinationURL
        let pinned: IPAddress
        do {
            (destination, pinned) = try await check(url)
        } catch {
            return all(error.reason == "refused" ? .gone("refused") : .retry(error.reason, after: nil))
        }
        if case .webPush = registration.body.target {
            // RFC 8292: the audience is the push service's origin; 12 hours is within every
            // service's 24-hour limit.
            headers["Authorization"] = service.vapid.authorization(audience: destination.origin, subject: configuration.vapidSubject,
                                                                   expires: UInt32(now) + 12 * 3600)
        }
        do {
            let answer = try await connections.post(url: url, pinnedTo: (destination.host, pinned), body: body, headers: headers,
                                                    timeout: configuration.requestTimeout)
            return all((200..<300).contains(answer.status) ? .delivered : classify(answer.status, retryAfter: answer.retryAfter))
        } catch {
            return all(.retry(error.reason, after: nil))
        }
    }

    /// `url` through the destination policy with its host's addresses as resolved now, and the
    /// address to connect to.
    private func check(_ url: String) async throws(SendError) -> (DestinationURL, IPAddress) {
        let allow = registry.configuration.allowHosts
        let parsed: DestinationURL
        do {
            parsed = try DestinationPolicy.parseURL(url)
        } catch {
            throw SendError(reason: "refused")
        }
        let addresses: [IPAddress]
        if let literal = parsed.address { addresses = [literal] } else { addresses = await PushDeliverer.resolve(parsed.host) }
        guard let first = addresses.first else { throw SendError(reason: "resolve") }
        do {
            return (try DestinationPolicy.check(url: url, resolved: addresses, allowHosts: allow), first)
        } catch {
            throw SendError(reason: "refused")
        }
    }

    private func classify(_ status: Int, retryAfter: Double?) -> Outcome.Result {
        switch status {
        case 404, 410: .gone("status\(status)")
        case 429, 503: .retry("status\(status)", after: retryAfter)
        case 500...599: .retry("status5xx", after: nil)
        default: .retry("status\(status)", after: nil)
        }
    }

    /// Every address `host` resolves to, looked up off the cooperative pool (getaddrinfo blocks).
    static func resolve(_ host: String) async -> [IPAddress] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var hints = addrinfo()
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                var list: UnsafeMutablePointer<addrinfo>?
                guard getaddrinfo(host, nil, &hints, &list) == 0 else { return continuation.resume(returning: []) }
                defer { freeaddrinfo(list) }
                var addresses: [IPAddress] = []
                var cursor = list
                while let info = cursor?.pointee {
                    if let raw = info.ai_addr {
                        let bytes = Array(UnsafeRawBufferPointer(start: raw, count: Int(info.ai_addrlen)))
                        if let address = IPAddress(socketAddress: bytes), !addresses.contains(address) { addresses.append(address) }
                    }
                    cursor = info.ai_next
                }
                continuation.resume(returning: addresses)
            }
        }
    }
}

/// Delivery jobs running.
final class InFlight: Sendable {
    let count = Atomic<Int>(0)
}

/// Why a delivery request did not get an answer.
struct SendError: Error {
    var reason: String
}

/// A delivery request's answer.
struct Answer: Sendable {
    var status: Int
    var body: [UInt8]
    var retryAfter: Double?
}

/// HTTP clients for push delivery: one for the operator's gorush, and one per (host, checked
/// address) for client-chosen URLs, so that the connection goes to the address the destination
/// policy approved while TLS verifies the certificate for the host name (AsyncHTTPClient's
/// `dnsOverride`). Redirects are never followed. Pinned clients idle for a minute are closed.
final class PinnedConnections: Sendable {
    private let plain: HTTPClient
    private let pinned = Mutex<[String: (client: HTTPClient, used: Double)]>([:])
    private let timeout: Int64

    init(timeout: Int64) {
        self.timeout = timeout
        plain = HTTPClient(eventLoopGroupProvider: .singleton, configuration: PinnedConnections.settings(timeout: timeout, override: [:]))
    }

    static func settings(timeout: Int64, override: [String: String]) -> HTTPClient.Configuration {
        var settings = HTTPClient.Configuration()
        settings.timeout = .init(connect: .seconds(5), read: .seconds(timeout))
        settings.redirectConfiguration = .disallow
        settings.decompression = .disabled
        settings.dnsOverride = override
        return settings
    }

    /// POSTs `body` to `url`, connecting to `pinnedTo.address` when given.
    func post(url: String, pinnedTo: (host: String, address: IPAddress)?, body: [UInt8], headers: [String: String],
              timeout: Int64) async throws(SendError) -> Answer {
        let client = pinnedTo.map { pinnedClient(host: $0.host, address: $0.address) } ?? plain
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "User-Agent", value: "mailvault/\(MailvaultVersion.current)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: TimeAmount.seconds(timeout))
            let answer = try await response.body.collect(upTo: 1 << 20)
            let retryAfter = response.headers.first(name: "Retry-After").flatMap(RetryAfter.seconds)
            return Answer(status: Int(response.status.code), body: Array(answer.readableBytesView), retryAfter: retryAfter)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw SendError(reason: "timeout")
        } catch {
            throw SendError(reason: "connect")
        }
    }

    private func pinnedClient(host: String, address: IPAddress) -> HTTPClient {
        let now = Date().timeIntervalSince1970
        let key = "\(host) \(address)"
        let (client, idle): (HTTPClient, [HTTPClient]) = pinned.withLock { pinned in
            var idle: [HTTPClient] = []
            for (name, entry) in pinned where now - entry.used > 60 && name != key {
                idle.append(entry.client)
                pinned[name] = nil
            }
            if let entry = pinned[key] {
                pinned[key]?.used = now
                return (entry.client, idle)
            }
            let override = host == address.description ? [:] : [host: address.description]
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: PinnedConnections.settings(timeout: timeout, override: override))
            pinned[key] = (client, now)
            return (client, idle)
        }
        // A minute idle is long past any request on it (each is bounded by `timeout`).
        for old in idle { old.shutdown { _ in } }
        return client
    }

    func shutdown() async {
        let clients = pinned.withLock { pinned in
            defer { pinned = [:] }
            return pinned.values.map(\.client)
        }
        for client in clients + [plain] { try? await client.shutdown() }
    }
}

/// `Retry-After` (RFC 9110 §10.2.3): delay-seconds, or an HTTP date.
enum RetryAfter {
    static func seconds(_ value: String) -> Double? {
        if let seconds = Double(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.date(from: value).map { max(0, $0.timeIntervalSinceNow) }
    }
}
