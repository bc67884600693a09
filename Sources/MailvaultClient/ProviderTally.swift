import Synchronization

/// What one provider's requests came to during a sync: counts, round trips and the errors, kept
/// behind a lock so that the provider's concurrent requests can all record.
final class ProviderTally: Sendable {
    struct Counts: Sendable {
        var requests = 0
        var failures = 0
        /// Round trips of the light requests (descriptor, health), for the ranking's latency.
        var light: [Duration] = []
        /// Round trips of every successful request.
        var all: [Duration] = []
        var errors: [String] = []
        /// Envelopes this provider served that were verified and newly stored.
        var given = 0
        /// Envelope batches refused (an envelope in them failed verification).
        var refusedBatches = 0
    }

    /// The most error lines kept per provider; later ones are counted, not kept.
    static let maximumErrors = 20

    private let counts = Mutex(Counts())

    func succeeded(after elapsed: Duration, light: Bool = false) {
        counts.withLock {
            $0.requests += 1
            $0.all.append(elapsed)
            if light { $0.light.append(elapsed) }
        }
    }

    func failed(_ error: ClientError) {
        counts.withLock {
            $0.requests += 1
            $0.failures += 1
            if $0.errors.count < ProviderTally.maximumErrors { $0.errors.append(error.description) }
        }
    }

    func gave(_ envelopes: Int) {
        counts.withLock { $0.given += envelopes }
    }

    func refusedBatch(_ error: ClientError) {
        counts.withLock {
            $0.refusedBatches += 1
            $0.failures += 1
            if $0.errors.count < ProviderTally.maximumErrors { $0.errors.append(error.description) }
        }
    }

    var snapshot: Counts { counts.withLock { $0 } }
}
