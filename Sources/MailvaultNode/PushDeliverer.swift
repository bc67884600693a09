import AsyncHTTPClient
import Foundation
import Logging
import MailvaultAPI
import MailvaultCore
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// The push service (Docs/Push.md): drains the `PushQueue`, matches each notice against the
/// registry's topic index, writes the notifications to the `PushOutbox` (durable before any
/// attempt), and delivers what is due: gorush in batches of many tokens, webhooks signed per
/// Standard Webhooks. Retries back off exponentially with jitter and honour `Retry-After`; 404
/// and 410 (or a token gorush calls invalid) remove the registration; too many attempts or too
/// much age make a dead letter.
///
/// Outbound requests go through one `HTTPClient`: redirects refused, timeouts set. A client's URL
/// is checked again at delivery: its host resolved, every address checked by the SSRF policy,
/// and (for `http`, allowed hosts only) the connection made to the checked address itself.
public struct PushDeliverer: Service {
    let registry: PushRegistry
    let outbox: PushOutbox
    let queue: PushQueue
    let configuration: PushDeliveryConfiguration
    let clock: @Sendable () -> Double
    let logger: Logger
    let events: PushEvents
    let http: HTTPClient

    /// A push service over `registry`, `outbox` and `queue`; `clock` is Unix seconds.
    public init(registry: PushRegistry, outbox: PushOutbox, queue: PushQueue, configuration: PushDeliveryConfiguration,
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }, logger: Logger,
                events: PushEvents = PushEvents()) {
        self.registry = registry
        self.outbox = outbox
        self.queue = queue
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.events = events
        var settings = HTTPClient.Configuration()
        settings.timeout = .init(connect: .seconds(5), read: .seconds(configuration.requestTimeout))
        settings.redirectConfiguration = .disallow
        settings.decompression = .disabled
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await pass()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(50)) }
        }
        try? await http.shutdown()
    }

    /// One pass: match what arrived, deliver what is due.
    func pass() async {
        let now = clock()
        let (notices, dropped) = queue.drain()
        if dropped > 0 { events.dropped(dropped) }
        if !notices.isEmpty { enqueue(notices, now: now) }
        let due = outbox.due(now: now, limit: 4096)
        if !due.isEmpty { await deliver(due, now: now) }
        events.levels(registry.count, outbox.count)
    }

    private func enqueue(_ notices: [PushNotice], now: Double) {
        let second = UInt32(now)
        var entries: [PushOutbox.Entry] = []
        for notice in notices {
            for registration in registry.matching(notice.topic, now: second) {
                entries.append(PushOutbox.Entry(id: PushOutbox.id(registration: registration.id, hash: notice.hash),
                                                registration: registration.id, notice: notice, created: second,
                                                due: windowEnd(after: now)))
            }
        }
        guard !entries.isEmpty else { return }
        do {
            events.queued(try outbox.add(entries))
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

    private func deliver(_ due: [PushOutbox.Entry], now: Double) async {
        var finished: [String] = []
        var gorush: [(PushOutbox.Entry, PushRegistration)] = []
        var single: [(PushOutbox.Entry, PushRegistration)] = []
        for entry in due {
            guard let registration = registry.registration(id: entry.registration, now: UInt32(now)) else {
                finished.append(entry.id) // deleted or expired: nothing to deliver to
                continue
            }
            if UInt32(now) > entry.created &+ configuration.maximumAge || entry.attempts >= configuration.maximumAttempts {
                finished.append(entry.id)
                events.deadLetters(1)
                logger.warning("push dead letter", metadata: ["id": "\(entry.id)", "attempts": "\(entry.attempts)"])
                continue
            }
            if case .gorush = registration.body.target { gorush.append((entry, registration)) } else { single.append((entry, registration)) }
        }
        var work: [@Sendable () async -> [Outcome]] = []
        for batch in gorushBatches(gorush) { work.append { await self.sendGorush(batch) } }
        for (entry, registration) in single { work.append { [await self.sendOne(entry, registration)] } }
        let concurrency = max(1, configuration.concurrency)
        let outcomes = await withTaskGroup(of: [Outcome].self) { group in
            var running = 0
            var all: [Outcome] = []
            for item in work {
                if running >= concurrency, let done = await group.next() {
                    all += done
                    running -= 1
                }
                group.addTask { await item() }
                running += 1
            }
            for await done in group { all += done }
            return all
        }
        var removed = Set<String>()
        for outcome in outcomes {
            switch outcome.result {
            case .delivered:
                finished.append(outcome.entry.id)
                events.delivered(outcome.kind, max(0, clock() - Double(outcome.entry.created)))
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
                outbox.retry(outcome.entry.id, due: clock() + delay(attempts: outcome.entry.attempts, retryAfter: after))
            }
        }
        do {
            try outbox.finish(finished)
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
            case gone(String)
            case retry(String, after: Double?)
        }
        var entry: PushOutbox.Entry
        var kind: String
        var result: Result
    }

    // MARK: gorush

    struct GorushGroup: Sendable {
        var platform: PushTarget.Platform
        var apnsTopic: String?
        var notice: PushNotice
        var members: [(entry: PushOutbox.Entry, token: String)]
    }

    /// Requests of up to `gorushNotificationsPerRequest` objects, each one envelope to up to
    /// `gorushTokensPerNotification` tokens of one platform and APNs topic.
    private func gorushBatches(_ items: [(PushOutbox.Entry, PushRegistration)]) -> [[GorushGroup]] {
        var groups: [String: GorushGroup] = [:]
        var order: [String] = []
        for (entry, registration) in items {
            guard case .gorush(let token, let platform, let apnsTopic) = registration.body.target else { continue }
            var key = "\(entry.notice.hash) \(platform.rawValue) \(apnsTopic ?? "")"
            var suffix = 0
            while let group = groups[key + " \(suffix)"], group.members.count >= configuration.gorushTokensPerNotification { suffix += 1 }
            key += " \(suffix)"
            if groups[key] == nil {
                groups[key] = GorushGroup(platform: platform, apnsTopic: apnsTopic, notice: entry.notice, members: [])
                order.append(key)
            }
            groups[key]?.members.append((entry, token))
        }
        let all = order.compactMap { groups[$0] }
        return stride(from: 0, to: all.count, by: configuration.gorushNotificationsPerRequest).map {
            Array(all[$0..<min(all.count, $0 + configuration.gorushNotificationsPerRequest)])
        }
    }

    private func sendGorush(_ batch: [GorushGroup]) async -> [Outcome] {
        let members = batch.flatMap(\.members)
        func all(_ result: Outcome.Result) -> [Outcome] { members.map { Outcome(entry: $0.entry, kind: "gorush", result: result) } }
        guard let base = registry.configuration.gorushURL else { return all(.gone("gorushUnavailable")) }
        let notifications: [[String: Any]] = batch.map { group in
            var object: [String: Any] = [
                "tokens": group.members.map(\.token),
                "platform": group.platform.gorushNumber,
                "message": "New message",
                "content_available": true,
                // One id per notification object: the ids of its members differ, so the object
                // carries the envelope's facts and each token's id is its registration's.
                "data": ["topic": group.notice.topic.description, "hash": group.notice.hash.description, "sent": group.notice.sent,
                         "ids": Dictionary(group.members.map { ($0.token, $0.entry.id) }, uniquingKeysWith: { first, _ in first })],
            ]
            if let topic = group.apnsTopic { object["topic"] = topic }
            return object
        }
        let body = (try? JSONSerialization.data(withJSONObject: ["notifications": notifications], options: [.sortedKeys])).map { Array($0) } ?? []
        let url = base.hasSuffix("/") ? base + "api/push" : base + "/api/push"
        let answer: (status: Int, body: [UInt8], retryAfter: Double?)
        do {
            answer = try await post(url: url, body: body, headers: [:], check: false)
        } catch {
            return all(.retry(error.reason, after: nil))
        }
        guard answer.status == 200 else { return all(classify(answer.status, retryAfter: answer.retryAfter)) }
        // gorush lists failed tokens in `logs` (with `core.sync: true`); an invalid token removes
        // its registration, other failures are retried.
        var invalid = Set<String>()
        var failedTokens = Set<String>()
        if let object = (try? JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any],
           let logs = object["logs"] as? [[String: Any]] {
            for log in logs {
                guard let token = log["token"] as? String else { continue }
                let text = "\(log["error"] ?? "") \(log["message"] ?? "")"
                if PushDeliverer.invalidTokenMarkers.contains(where: { text.contains($0) }) { invalid.insert(token) } else { failedTokens.insert(token) }
            }
        }
        return members.map { member in
            let result: Outcome.Result = invalid.contains(member.token) ? .gone("invalidToken")
                : failedTokens.contains(member.token) ? .retry("gorushFailed", after: nil) : .delivered
            return Outcome(entry: member.entry, kind: "gorush", result: result)
        }
    }

    /// APNs and FCM reasons that mean the token will never work again.
    static let invalidTokenMarkers = ["BadDeviceToken", "Unregistered", "DeviceTokenNotForTopic", "NotRegistered",
                                      "InvalidRegistration", "registration-token-not-registered", "invalid-registration-token"]

    // MARK: webhook

    private func sendOne(_ entry: PushOutbox.Entry, _ registration: PushRegistration) async -> Outcome {
        let kind = registration.body.target.kind
        guard case .webhook(let url) = registration.body.target, let secret = registration.secret else {
            return Outcome(entry: entry, kind: kind, result: .gone("unsupported"))
        }
        let notice = entry.notice
        let body = Array(#"{"hash":"\#(notice.hash)","id":"\#(entry.id)","sent":\#(notice.sent),"topic":"\#(notice.topic)"}"#.utf8)
        let timestamp = UInt32(clock())
        guard let signature = WebhookSigner.signature(id: entry.id, timestamp: timestamp, body: body, secret: secret) else {
            return Outcome(entry: entry, kind: kind, result: .gone("badSecret"))
        }
        do {
            let answer = try await post(url: url, body: body,
                                        headers: ["webhook-id": entry.id, "webhook-timestamp": "\(timestamp)", "webhook-signature": signature],
                                        check: true)
            return Outcome(entry: entry, kind: kind, result: (200..<300).contains(answer.status) ? .delivered
                           : classify(answer.status, retryAfter: answer.retryAfter))
        } catch {
            return Outcome(entry: entry, kind: kind, result: error.reason == "refused" ? .gone("refused") : .retry(error.reason, after: nil))
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

    // MARK: HTTP

    struct SendError: Error {
        var reason: String
    }

    /// POSTs JSON to `url`. With `check`, the URL passes the SSRF policy again and its host's
    /// every address is checked before any connection; for `http` the connection goes to the
    /// checked address itself (`Host` keeps the name).
    private func post(url: String, body: [UInt8], headers: [String: String], check: Bool) async throws(SendError) -> (status: Int, body: [UInt8], retryAfter: Double?) {
        var target = url
        var hostHeader: String?
        if check {
            let allow = registry.configuration.allowHosts
            let parts: PushURL.Parts
            do {
                parts = try PushURL.check(url, field: "url", allowHosts: allow)
            } catch {
                throw SendError(reason: "refused")
            }
            let addresses = PushDeliverer.resolve(parts.host)
            guard let first = addresses.first else { throw SendError(reason: "resolve") }
            guard addresses.allSatisfy({ PushURL.permits(address: $0, host: parts.host, allowHosts: allow) }) else {
                throw SendError(reason: "refused")
            }
            if parts.scheme == "http", var components = URLComponents(string: url) {
                hostHeader = parts.port == 80 ? parts.host : "\(parts.host):\(parts.port)"
                components.host = first.bytes.count == 16 ? "[\(first)]" : first.description
                target = components.string ?? url
            }
        }
        var request = HTTPClientRequest(url: target)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "mailvault/\(MailvaultVersion.current)")
        if let hostHeader { request.headers.replaceOrAdd(name: "Host", value: hostHeader) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await http.execute(request, timeout: .seconds(configuration.requestTimeout))
            let answer = try await response.body.collect(upTo: 1 << 20)
            let retryAfter = response.headers.first(name: "Retry-After").flatMap(Double.init)
            return (Int(response.status.code), Array(answer.readableBytesView), retryAfter)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw SendError(reason: "timeout")
        } catch {
            throw SendError(reason: "connect")
        }
    }

    /// Every address `host` resolves to (a literal resolves to itself).
    static func resolve(_ host: String) -> [IPAddressText] {
        if let literal = IPAddressText(host) { return [literal] }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddressText] = []
        var cursor = list
        while let info = cursor?.pointee {
            if info.ai_family == AF_INET, let raw = info.ai_addr {
                let bytes = raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) } }
                if let address = IPAddressText(bytes: bytes) { addresses.append(address) }
            } else if info.ai_family == AF_INET6, let raw = info.ai_addr {
                let bytes = raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) } }
                if let address = IPAddressText(bytes: bytes) { addresses.append(address) }
            }
            cursor = info.ai_next
        }
        return addresses
    }
}
