import HTTPTypes
import Hummingbird
import MailvaultAPI
import MailvaultCore
import MailvaultNode
import NIOCore
import Synchronization

/// Fans newly stored envelopes out to live subscribers: clients get each envelope
/// (`GET /v1/subscribe`), peers get the keys of each stored batch (`GET /v1/sync/live`).
///
/// Each subscriber has a bounded buffer of Server-Sent Events. Publishing never waits: an event
/// that does not fit ends that subscription (the client reconnects and catches up with a history
/// query), so a slow reader can never slow ingest down.
final class SubscriptionHub: Sendable {
    /// One subscriber's stream of SSE chunks.
    typealias Events = AsyncStream<[UInt8]>

    /// What a subscriber is sent.
    enum Format {
        /// `event: envelope` with the envelope's JSON, for each envelope its filter matches.
        case envelopes
        /// `event: keys` with the comma-separated hex keys of each stored batch (peers' relay).
        case keys
    }

    private struct Subscriber {
        var filter: LiveFilter
        var format: Format
        var client: String
        var continuation: Events.Continuation
    }

    private struct State {
        var subscribers: [UInt64: Subscriber] = [:]
        var nextID: UInt64 = 0
        var closed = false
    }

    private let state = Mutex(State())
    private let capacity: Int
    private let perClient: Int
    private let bufferSize: Int
    private let metrics: ServerMetrics

    init(capacity: Int, perClient: Int, bufferSize: Int, metrics: ServerMetrics) {
        self.capacity = capacity
        self.perClient = max(1, perClient)
        self.bufferSize = max(1, bufferSize)
        self.metrics = metrics
    }

    /// Registers a subscriber until `closed` completes (its connection closed: the slot is free
    /// again at once, not at the next keep-alive's failed write); `nil` when the hub is full, the
    /// client holds its share already, or the hub is closed.
    func subscribe(_ filter: LiveFilter, format: Format = .envelopes, client: String,
                   until closed: EventLoopFuture<Void>) -> Events? {
        let (stream, continuation) = Events.makeStream(bufferingPolicy: .bufferingOldest(bufferSize))
        let id: UInt64? = state.withLock { state in
            guard !state.closed, state.subscribers.count < capacity,
                  state.subscribers.values.lazy.filter({ $0.client == client }).count < perClient else { return nil }
            state.nextID += 1
            state.subscribers[state.nextID] = Subscriber(filter: filter, format: format, client: client,
                                                                  continuation: continuation)
            return state.nextID
        }
        guard let id else {
            continuation.finish()
            return nil
        }
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        closed.whenComplete { _ in continuation.finish() }
        continuation.yield(Array(": subscribed\n\n".utf8))
        metrics.subscribers.increment()
        return stream
    }

    /// Sends each stored envelope to the subscribers whose filter it matches. The JSON of an
    /// envelope is written once, and only if someone wants it.
    func publish(_ stored: [StoredEnvelope]) {
        let subscribers = state.withLock { Array($0.subscribers) }
        guard !subscribers.isEmpty else { return }
        var keys: [UInt8]?
        for (id, subscriber) in subscribers where subscriber.format == .keys {
            if keys == nil {
                keys = SyncBody.announcement(stored.map { EnvelopeKey(sent: $0.envelope.sentTime, hash: $0.hash) })
            }
            deliver(keys!, to: subscriber, id: id)
        }
        for item in stored {
            var event: [UInt8]?
            for (id, subscriber) in subscribers where subscriber.format == .envelopes && subscriber.filter.matches(item.envelope.topic) {
                if event == nil {
                    event = Array("event: envelope\ndata: ".utf8) + APIResponseBody.envelope(item.envelope, hash: item.hash)
                        + Array("\n\n".utf8)
                }
                deliver(event!, to: subscriber, id: id)
            }
        }
    }

    /// Sends a comment to every subscriber so that proxies and clients see the stream is alive.
    func keepAlive() {
        let subscribers = state.withLock { Array($0.subscribers) }
        for (id, subscriber) in subscribers {
            deliver(Array(": keep-alive\n\n".utf8), to: subscriber, id: id)
        }
    }

    /// The streamed response of a subscription: its events as they come, until it ends.
    static func response(_ events: Events) -> Response {
        let headers: HTTPFields = [.contentType: EventStreamCloser.mediaType, .cacheControl: "no-cache"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            for await chunk in events {
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        })
    }

    /// Ends every subscription and refuses new ones (graceful shutdown).
    func close() {
        let subscribers = state.withLock { state in
            state.closed = true
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.continuation.finish() }
    }

    private func deliver(_ event: [UInt8], to subscriber: Subscriber, id: UInt64) {
        if case .dropped = subscriber.continuation.yield(event) {
            metrics.subscribersDropped.increment()
            subscriber.continuation.finish()
        }
    }

    private func remove(_ id: UInt64) {
        let removed = state.withLock { $0.subscribers.removeValue(forKey: id) != nil }
        if removed { metrics.subscribers.decrement() }
    }
}

extension SubscriptionHub: IngestObserver {
    /// Live push: every newly stored envelope goes to the subscribers that want it.
    func observe(_ report: IngestReport, now: UInt32) {
        if !report.stored.isEmpty { publish(report.stored) }
    }
}
