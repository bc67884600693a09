import CoreMetrics
import MailvaultCore
import MailvaultNode
import MailvaultPush
import MailvaultPushService
import MailvaultStore
import Prometheus
import Synchronization

/// The server's metrics, kept in a Prometheus registry of its own and exposed at `/metrics`.
///
/// status-go's mailserver metric names are kept where the meaning is the same, so existing
/// dashboards keep working; Mailvault's own figures are named `mailvault_…`. Each server owns
/// its registry (no process-wide bootstrap), so tests can run several servers in one process.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    /// The per-endpoint handles, made once each (a lookup in the registry costs a lock and
    /// several allocations, too much per request).
    private let requestMetrics = Mutex<[String: (CoreMetrics.Counter, CoreMetrics.Timer)]>([:])

    /// status-go: envelopes processed (every envelope posted, whatever became of it).
    let envelopes: CoreMetrics.Counter
    /// status-go: envelopes saved in the database (status-go exported it as a gauge it only ever
    /// increased; here it is a counter, which is what it measures).
    let archived: CoreMetrics.Counter
    /// status-go: failures storing an envelope.
    let archiveFailures: CoreMetrics.Counter
    /// status-go: size of envelopes saved.
    let archivedSize: CoreMetrics.Recorder
    /// Envelopes refused by the ingest rules, by reason.
    private let rejected: [String: CoreMetrics.Counter]
    /// status-go's query counter per filter kind.
    private let queries: [String: CoreMetrics.Counter]
    /// Envelopes posted again.
    let duplicates: CoreMetrics.Counter
    /// PoW of stored envelopes.
    let pow: CoreMetrics.Recorder
    /// Requests refused by a rate limit, by class.
    let rateLimitedIngest: CoreMetrics.Counter
    let rateLimitedQuery: CoreMetrics.Counter
    /// Reads refused because the concurrent-query limit was reached.
    let overloaded: CoreMetrics.Counter
    /// Live subscriptions open, and those dropped for reading too slowly.
    let subscribers: CoreMetrics.Meter
    let subscribersDropped: CoreMetrics.Counter
    /// Envelopes removed by retention sweeps.
    let sweptExpired: CoreMetrics.Counter
    let sweptEvicted: CoreMetrics.Counter
    /// The store's size and content, refreshed at each scrape.
    let storeFileBytes: CoreMetrics.Gauge
    let storeUsedBytes: CoreMetrics.Gauge
    let storeEnvelopes: CoreMetrics.Gauge
    let storeRawBytes: CoreMetrics.Gauge
    /// Receipts per signature (`ReceiptSigner`).
    let receiptBatch: CoreMetrics.Recorder
    /// Live push registrations, and notifications waiting in the outbox.
    let pushRegistrationsLive: CoreMetrics.Gauge
    let pushPending: CoreMetrics.Gauge
    /// Push notifications written, dropped (queue full), dead, and registrations removed.
    let pushQueued: CoreMetrics.Counter
    let pushDropped: CoreMetrics.Counter
    let pushDeadLetters: CoreMetrics.Counter
    let pushRemoved: CoreMetrics.Counter
    /// Delivered by target, with latency from outbox to receiver; failed attempts by reason.
    private let pushByLabel = Mutex<[String: CoreMetrics.Counter]>([:])
    let pushLatency: CoreMetrics.Recorder

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        let latency: [Duration] = [.microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
                                   .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                   .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1)]
        factory.defaultDurationHistogramBuckets = latency
        // status-go's buckets: 1 KiB doubling 11 times.
        factory.valueHistogramBuckets["mailserver_archived_envelope_size_bytes"] = (0..<11).map { 1024 * Double(1 << $0) }
        factory.valueHistogramBuckets["mailvault_envelope_pow"] = [0.000001, 0.00001, 0.0001, 0.001, 0.01, 0.1, 1, 10, 100]
        factory.valueHistogramBuckets["mailvault_receipt_batch_size"] = [1, 2, 4, 8, 16, 32, 64, 128]
        factory.valueHistogramBuckets["mailvault_push_delivery_latency_seconds"] = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600]
        self.factory = factory

        envelopes = CoreMetrics.Counter(label: "mailserver_envelopes_total", factory: factory)
        archived = CoreMetrics.Counter(label: "mailserver_archived_envelopes_total", dimensions: [("db", "lmdb")], factory: factory)
        archiveFailures = CoreMetrics.Counter(label: "mailserver_archived_envelopes_failures_total", dimensions: [("db", "lmdb")],
                                  factory: factory)
        archivedSize = CoreMetrics.Recorder(label: "mailserver_archived_envelope_size_bytes", dimensions: [("db", "lmdb")],
                                factory: factory)
        let reasons = ["zeroTTL", "future", "tooOld", "expired", "tooLarge", "lowPoW", "bloomMismatch"]
        rejected = Dictionary(uniqueKeysWithValues: reasons.map {
            ($0, CoreMetrics.Counter(label: "mailvault_ingest_rejected_total", dimensions: [("reason", $0)], factory: factory))
        })
        queries = Dictionary(uniqueKeysWithValues: ["topics", "bloom", "all"].map {
            ($0, CoreMetrics.Counter(label: "mailserver_envelope_queries_total", dimensions: [("filter", $0), ("history", "true")],
                                     factory: factory))
        })
        duplicates = CoreMetrics.Counter(label: "mailvault_ingest_duplicates_total", factory: factory)
        pow = CoreMetrics.Recorder(label: "mailvault_envelope_pow", factory: factory)
        rateLimitedIngest = CoreMetrics.Counter(label: "mailvault_rate_limited_total", dimensions: [("class", "ingest")], factory: factory)
        rateLimitedQuery = CoreMetrics.Counter(label: "mailvault_rate_limited_total", dimensions: [("class", "query")], factory: factory)
        overloaded = CoreMetrics.Counter(label: "mailvault_overloaded_total", factory: factory)
        subscribers = CoreMetrics.Meter(label: "mailvault_subscribers", factory: factory)
        subscribersDropped = CoreMetrics.Counter(label: "mailvault_subscribers_dropped_total", factory: factory)
        sweptExpired = CoreMetrics.Counter(label: "mailvault_retention_removed_total", dimensions: [("kind", "expired")], factory: factory)
        sweptEvicted = CoreMetrics.Counter(label: "mailvault_retention_removed_total", dimensions: [("kind", "evicted")], factory: factory)
        storeFileBytes = CoreMetrics.Gauge(label: "mailvault_store_file_bytes", factory: factory)
        storeUsedBytes = CoreMetrics.Gauge(label: "mailvault_store_used_bytes", factory: factory)
        storeEnvelopes = CoreMetrics.Gauge(label: "mailvault_store_envelopes", factory: factory)
        storeRawBytes = CoreMetrics.Gauge(label: "mailvault_store_raw_bytes", factory: factory)
        receiptBatch = CoreMetrics.Recorder(label: "mailvault_receipt_batch_size", factory: factory)
        pushRegistrationsLive = CoreMetrics.Gauge(label: "mailvault_push_registrations", factory: factory)
        pushPending = CoreMetrics.Gauge(label: "mailvault_push_pending", factory: factory)
        pushQueued = CoreMetrics.Counter(label: "mailvault_push_queued_total", factory: factory)
        pushDropped = CoreMetrics.Counter(label: "mailvault_push_dropped_total", factory: factory)
        pushDeadLetters = CoreMetrics.Counter(label: "mailvault_push_dead_letters_total", factory: factory)
        pushRemoved = CoreMetrics.Counter(label: "mailvault_push_registrations_removed_total", factory: factory)
        pushLatency = CoreMetrics.Recorder(label: "mailvault_push_delivery_latency_seconds", factory: factory)
        paymentOutcomes = Dictionary(uniqueKeysWithValues: ["free", "paid", "peer", "unknown", "refused", "badSignature"].map {
            ($0, CoreMetrics.Counter(label: "mailvault_paid_requests_total", dimensions: [("outcome", $0)], factory: factory))
        })
    }

    /// Paid-service requests by how they were let through or refused (`--subscriptions`).
    let paymentOutcomes: [String: CoreMetrics.Counter]

    func payment(_ outcome: String) {
        paymentOutcomes[outcome]?.increment()
    }

    /// The push service's events, counted here.
    var pushEvents: PushEvents {
        var events = PushEvents()
        events.queued = { [self] in pushQueued.increment(by: $0) }
        events.dropped = { [self] in pushDropped.increment(by: $0) }
        events.deadLetters = { [self] in pushDeadLetters.increment(by: $0) }
        events.removed = { [self] in pushRemoved.increment(by: $0) }
        events.delivered = { [self] kind, seconds in
            pushCounter("mailvault_push_delivered_total", ("target", kind)).increment()
            pushLatency.record(seconds)
        }
        events.failed = { [self] reason in pushCounter("mailvault_push_failed_total", ("reason", reason)).increment() }
        events.levels = { [self] registrations, pending in
            pushRegistrationsLive.record(registrations)
            pushPending.record(pending)
        }
        return events
    }

    private func pushCounter(_ label: String, _ dimension: (String, String)) -> CoreMetrics.Counter {
        pushByLabel.withLock { cache in
            let key = "\(label) \(dimension.1)"
            if let cached = cache[key] { return cached }
            let made = CoreMetrics.Counter(label: label, dimensions: [dimension], factory: factory)
            cache[key] = made
            return made
        }
    }

    /// The number of live push registrations.
    func pushRegistrations(_ count: Int) {
        pushRegistrationsLive.record(count)
    }

    /// Counts what the retention sweep removed.
    func swept(_ report: SweepReport) {
        sweptExpired.increment(by: report.expired)
        sweptEvicted.increment(by: report.evicted)
    }

    /// Counts a rejection by its reason.
    func rejected(_ reason: IngestRejection) {
        rejected[reason.code]?.increment()
    }

    /// status-go's query counter, labelled by filter kind.
    func query(filter: String) {
        queries[filter]?.increment()
    }

    /// The latency of one request to `endpoint` that ended with `status`.
    func request(endpoint: String, status: Int, duration: Duration) {
        let (counter, timer) = requestMetrics.withLock { cache in
            let key = "\(endpoint) \(status)"
            if let cached = cache[key] { return cached }
            let made = (CoreMetrics.Counter(label: "mailvault_http_requests_total",
                                            dimensions: [("endpoint", endpoint), ("status", "\(status)")], factory: factory),
                        CoreMetrics.Timer(label: "mailvault_request_duration_seconds", dimensions: [("endpoint", endpoint)],
                                          factory: factory))
            cache[key] = made
            return made
        }
        counter.increment()
        timer.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// The registry in Prometheus's text format.
    func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

extension ServerMetrics: IngestObserver {
    /// status-go's ingest counters and Mailvault's rejection, duplicate, size and PoW figures.
    func observe(_ report: IngestReport, now: UInt32) {
        envelopes.increment(by: report.received)
        var duplicateCount = 0
        for outcome in report.outcomes {
            switch outcome.status {
            case .rejected: if let reason = outcome.reason { rejected(reason) }
            case .duplicate: duplicateCount += 1
            case .stored: break
            }
        }
        if duplicateCount > 0 { duplicates.increment(by: duplicateCount) }
        if report.failed > 0 { archiveFailures.increment(by: report.failed) }
        guard !report.stored.isEmpty else { return }
        archived.increment(by: report.stored.count)
        for stored in report.stored {
            archivedSize.record(stored.envelope.encoded.count)
            pow.record(stored.pow)
        }
    }
}
