import MailvaultCore

/// The envelopes still to fetch, as batches each provider's workers take from: a provider takes
/// only batches whose every key it listed, so the fast providers take more and a slow one loses
/// its share to them (work stealing). A batch a provider could not serve goes back without that
/// provider. A key left with no provider to ask ends up `unserved` when some provider failed it
/// (it may hold the key, but could not be asked), and `disowned` when every provider that
/// listed it answered without it: a listing of something no one serves.
///
/// A batch that has been out with one provider much longer than batches usually take (three
/// times the median, at least `minimumHedge`) is also given to an idle provider that lists it
/// (a hedged request); the first answer wins. So a provider that stalls holds up nothing.
actor FetchQueue {
    struct Batch: Sendable {
        let id: Int
        let keys: [EnvelopeKey]
        /// Providers (by index) that listed every key of the batch and have not failed it.
        var candidates: Set<Int>
        /// Whether a provider was taken off the batch by a failure (not by answering without it).
        var failed = false
    }

    enum Take: Sendable {
        case batch(Batch)
        /// Nothing for this provider now, but batches out with others may come back.
        case wait
        /// Nothing left this provider could take.
        case done
    }

    private struct Out {
        var batch: Batch
        var started: ContinuousClock.Instant
        var owners: Set<Int>
    }

    private var pending: [Batch] = []
    private var out: [Int: Out] = [:]
    private var nextID = 0
    private var recent: [Duration] = []
    private var consecutiveFailures: [Int: Int] = [:]
    private(set) var down: Set<Int> = []
    private(set) var unserved: [EnvelopeKey] = []
    private(set) var disowned: [EnvelopeKey] = []
    private let clock = ContinuousClock()
    let maximumFailures: Int
    let minimumHedge: Duration

    init(maximumFailures: Int = 3, minimumHedge: Duration = .milliseconds(500)) {
        self.maximumFailures = maximumFailures
        self.minimumHedge = minimumHedge
    }

    /// Queues `keys` (in order) in batches of at most `size`, each for `candidates`.
    func add(_ keys: [EnvelopeKey], candidates: Set<Int>, size: Int) {
        var start = keys.startIndex
        while start < keys.endIndex {
            let end = min(start + size, keys.endIndex)
            enqueue(Array(keys[start..<end]), candidates: candidates)
            start = end
        }
    }

    private func enqueue(_ keys: [EnvelopeKey], candidates: Set<Int>, failed: Bool = false) {
        guard !keys.isEmpty else { return }
        let live = candidates.subtracting(down)
        let failed = failed || live.count < candidates.count
        guard !live.isEmpty else {
            if failed { unserved += keys } else { disowned += keys }
            return
        }
        pending.append(Batch(id: nextID, keys: keys, candidates: live, failed: failed))
        nextID += 1
    }

    func take(for provider: Int) -> Take {
        guard !down.contains(provider) else { return .done }
        if let index = pending.firstIndex(where: { $0.candidates.contains(provider) }) {
            let batch = pending.remove(at: index)
            out[batch.id] = Out(batch: batch, started: clock.now, owners: [provider])
            return .batch(batch)
        }
        if let hedge = hedgeDelay {
            let now = clock.now
            if let (id, item) = out.first(where: { $0.value.batch.candidates.contains(provider) && !$0.value.owners.contains(provider)
                                               && $0.value.owners.count == 1 && now - $0.value.started > hedge }) {
                out[id]?.owners.insert(provider)
                return .batch(item.batch)
            }
        }
        return pending.isEmpty && out.isEmpty ? .done : .wait
    }

    /// How long a batch may be out before an idle provider also asks for it; `nil` until a few
    /// batches have come back.
    private var hedgeDelay: Duration? {
        guard recent.count >= 3 else { return nil }
        let median = recent.sorted()[recent.count / 2]
        return max(minimumHedge, median * 3)
    }

    /// `provider` answered batch `id`: `served` are the hashes it gave (verified and stored);
    /// keys before `next` it did not give, it does not hold after all; keys from `next` on it
    /// did not look at (its byte budget) and stay its to serve.
    func served(_ id: Int, by provider: Int, hashes served: Set<Hash256>, next: Int?, elapsed: Duration) {
        consecutiveFailures[provider] = 0
        recent.append(elapsed)
        if recent.count > 64 { recent.removeFirst() }
        guard let item = out.removeValue(forKey: id) else { return }   // a hedged twin answered first
        let batch = item.batch
        let looked = next ?? batch.keys.count
        let lacking = batch.keys[..<looked].filter { !served.contains($0.hash) }
        var without = batch.candidates
        without.remove(provider)
        enqueue(lacking, candidates: without, failed: batch.failed)
        enqueue(Array(batch.keys[looked...]), candidates: batch.candidates, failed: batch.failed)
    }

    /// `provider` failed batch `id` (an error after retries, or an answer refused): the batch
    /// goes back without it, unless a hedged twin is still out. After `maximumFailures` failures
    /// in a row the provider is taken out of the sync.
    func failed(_ id: Int, by provider: Int) {
        let failures = (consecutiveFailures[provider] ?? 0) + 1
        consecutiveFailures[provider] = failures
        if failures >= maximumFailures { markDown(provider) }
        guard var item = out[id] else { return }
        item.owners.remove(provider)
        item.batch.candidates.remove(provider)
        item.batch.failed = true
        if item.owners.isEmpty {
            out[id] = nil
            enqueue(item.batch.keys, candidates: item.batch.candidates, failed: true)
        } else {
            out[id] = item
        }
    }

    private func markDown(_ provider: Int) {
        guard down.insert(provider).inserted else { return }
        let waiting = pending
        pending = []
        for batch in waiting {
            var candidates = batch.candidates
            candidates.remove(provider)
            enqueue(batch.keys, candidates: candidates, failed: true)
        }
    }
}
