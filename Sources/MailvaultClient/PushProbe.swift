import Foundation
import MailvaultAccountability
import MailvaultAPI
import MailvaultAudit
import MailvaultCore
import MailvaultPush
import NIOHTTP1

/// Measures push-notification providers the way an app would use them (`mailvault providers
/// rank --push`, Docs/Push.md "Choosing a PN provider"). For each provider it:
///
/// 1. fetches and verifies its descriptor and reads its `push` offer;
/// 2. registers a signed webhook probe registration with a fresh client key on a random topic,
///    pointing at `probeURL/probe-<n>` (which the `ProbeReceiver` must be reachable at);
/// 3. posts `probes` envelopes on that topic, one at a time (after a random pause within the
///    provider's batching window, if it has one), sealed at the provider's declared minimum PoW,
///    and times each until its notification arrives with a valid Standard Webhooks signature
///    (the secret the registration returned), waiting `timeout` beyond the batching window;
/// 4. deletes the registration with a signed deletion.
///
/// Providers are probed one after another, so that one provider's deliveries do not slow
/// another's measurement.
public struct PushProbe: Sendable {
    /// Probe envelopes posted to each provider.
    public var probes: Int
    /// How long each probe waits for its notification beyond the provider's batching window.
    public var timeout: Duration
    /// Where providers deliver: `probeURL/probe-<n>` for the n-th provider (from 1).
    public var probeURL: String
    private let transport: ProviderTransport
    private let receiver: ProbeReceiver

    /// The time to live of a probe envelope: long enough to be accepted and matched, short
    /// enough that stores drop it soon.
    static let envelopeTTL: UInt32 = 60

    /// A probe whose providers call `probeURL`, which must reach `receiver`.
    public init(transport: ProviderTransport, receiver: ProbeReceiver, probeURL: String, probes: Int = 3,
                timeout: Duration = .seconds(10)) {
        self.transport = transport
        self.receiver = receiver
        var base = probeURL
        while base.hasSuffix("/") { base.removeLast() }
        self.probeURL = base
        self.probes = probes
        self.timeout = timeout
    }

    /// Probes each provider in turn.
    public func run(urls: [String]) async -> [PushProbeReport] {
        var reports: [PushProbeReport] = []
        for (index, url) in urls.enumerated() {
            reports.append(await probe(url: url, path: "/probe-\(index + 1)"))
        }
        return reports
    }

    /// Probes the provider at `url`, which delivers to `probeURL + path`.
    public func probe(url: String, path: String) async -> PushProbeReport {
        var report = PushProbeReport(url: url)
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        let identity: ProviderIdentity
        do {
            let answer = try await transport.request(base + "/v1/provider", limit: 256 << 10)
            try answer.expect(200)
            do {
                identity = try ProviderIdentity(signed: try SignedDocument(json: answer.body))
            } catch {
                throw ClientError.refusedAnswer(url: answer.url, reason: "the descriptor does not verify: \(error)")
            }
        } catch {
            report.errors.append("\(error)")
            return report
        }
        report.address = identity.address.description
        guard let offer = identity.descriptor.push else { return report }
        report.offer = offer
        guard offer.targets.contains("webhook") else {
            report.refused = "it offers no webhook target, which the probe needs"
            return report
        }
        let key = ProviderKey.generate()
        var generator = SystemRandomNumberGenerator()
        let topic = Topic(rawValue: UInt32.random(in: 0...UInt32.max, using: &generator))
        let name = "probe-" + Hex.encode((0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let now = UInt32(Date().timeIntervalSince1970)
        let registration: [String: Any] = [
            "name": name, "version": 1, "expires": Int(now + min(600, offer.maximumLifetime)),
            "topics": [topic.description], "target": ["webhook": ["url": probeURL + path]],
        ]
        let created: (id: String, secret: String)
        do {
            created = try await register(base, document(registration), key: key)
        } catch {
            report.refused = "\(error)"
            return report
        }
        let wait = timeout + .milliseconds(Int64(offer.batchWindow * 1000))
        var seen = 0
        for index in 0..<probes {
            report.probes += 1
            // Each probe right after the previous notification would start just after a window
            // closed and always wait the whole window; a random pause samples the window's
            // phase as envelopes arriving at random times do (half the window on average).
            if index > 0, offer.batchWindow > 0 {
                try? await Task.sleep(for: .milliseconds(Int64.random(in: 0..<Int64(offer.batchWindow * 1000), using: &generator)))
            }
            do {
                let envelope = try await seal(topic: topic, minimumPoW: identity.descriptor.minimumPoW)
                let start = ContinuousClock.now
                try await post(base, envelope)
                if let arrival = await notification(path: path, hash: envelope.hash, secret: created.secret,
                                                    after: &seen, until: start + wait) {
                    report.delivered += 1
                    report.latenciesMilliseconds.append(PushProbe.milliseconds(arrival.at - start))
                } else {
                    report.errors.append("probe \(report.probes): no signed notification within \(wait)")
                }
            } catch {
                report.errors.append("probe \(report.probes): \(error)")
            }
        }
        report.badSignatures = receiver.received.filter { $0.path == path && !PushProbe.verifies($0, secret: created.secret) }.count
        do {
            let deletion = document(["name": name, "version": 2])
            let body = SignedDocument(kind: "push-deletion", document: deletion, key: key).json
            let answer = try await transport.request(base + "/v1/push/registrations/\(created.id)", method: .DELETE, body: body,
                                                     contentType: "application/json", limit: 64 << 10, once: true)
            try answer.expect(200)
        } catch {
            report.errors.append("the probe registration was not deleted: \(error)")
        }
        return report
    }

    /// A registration or deletion document: JSON with sorted keys.
    private func document(_ object: [String: Any]) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data())
    }

    private func register(_ base: String, _ document: [UInt8], key: ProviderKey) async throws(ClientError) -> (id: String, secret: String) {
        let body = SignedDocument(kind: "push-registration", document: document, key: key).json
        let answer = try await transport.request(base + "/v1/push/registrations", method: .POST, body: body,
                                                 contentType: "application/json", limit: 64 << 10, once: true)
        try answer.expect(201)
        guard let object = try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any],
              let id = object["id"] as? String, let secret = object["secret"] as? String else {
            throw .malformedAnswer(url: answer.url, reason: "the registration answer has no id and secret")
        }
        return (id, secret)
    }

    /// A probe envelope with 16 random bytes, sealed to at least `minimumPoW`.
    private func seal(topic: Topic, minimumPoW: Double) async throws -> Envelope {
        var generator = SystemRandomNumberGenerator()
        let data = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let expiry = UInt32(Date().timeIntervalSince1970) + PushProbe.envelopeTTL
        guard minimumPoW > 0 else { return Envelope(expiry: expiry, ttl: PushProbe.envelopeTTL, topic: topic, data: data, nonce: 0) }
        let request = SealRequest(expiry: expiry, ttl: PushProbe.envelopeTTL, topic: topic, data: data,
                                  goal: .pow(minimumPoW), workTime: .seconds(30))
        return try await LaneSealer(threads: 1).seal(request).envelope
    }

    /// Posts one envelope; anything but `stored` is an error.
    private func post(_ base: String, _ envelope: Envelope) async throws(ClientError) {
        let answer = try await transport.request(base + "/v1/envelopes", method: .POST, body: Envelope.encodePacket([envelope]),
                                                 contentType: "application/x-rlp", limit: 64 << 10, once: true)
        try answer.expect(200)
        let results = (try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])?["results"] as? [[String: Any]]
        guard let result = results?.first, result["status"] as? String == "stored" else {
            let reason = results?.first.map { "\($0["status"] ?? "?"): \($0["message"] ?? "")" } ?? "no result"
            throw .refusedAnswer(url: answer.url, reason: "the probe envelope was not stored (\(reason))")
        }
    }

    /// The first request on `path` after the `seen` already looked at that carries `hash` and a
    /// valid signature, waiting until `deadline`.
    private func notification(path: String, hash: Hash256, secret: String, after seen: inout Int,
                              until deadline: ContinuousClock.Instant) async -> ProbeReceiver.Arrival? {
        while true {
            let arrivals = receiver.received
            for arrival in arrivals[min(seen, arrivals.count)...] where arrival.path == path {
                if PushProbe.verifies(arrival, secret: secret), PushProbe.hashes(arrival.body).contains(hash.description) {
                    seen = arrivals.count
                    return arrival
                }
            }
            seen = arrivals.count
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    static func verifies(_ arrival: ProbeReceiver.Arrival, secret: String) -> Bool {
        (try? WebhookSignature.verify(headers: arrival.headers, payload: arrival.body, secret: secret,
                                      now: Int64(Date().timeIntervalSince1970))) != nil
    }

    /// The envelope hashes a webhook body names: one notification, or a batch of them (read by
    /// the strict parser receivers use; a body of another shape names none).
    static func hashes(_ body: [UInt8]) -> [String] {
        ((try? MailvaultPush.Notification.parseBody(body)) ?? []).map(\.hash)
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
