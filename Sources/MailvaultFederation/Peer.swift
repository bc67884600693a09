import Foundation
import MailvaultAccountability
import MailvaultCore
import Synchronization

/// Byte and envelope counts of one peer link, updated from any task.
public final class PeerCounters: Sendable {
    let bytesIn = Atomic<UInt64>(0)
    let bytesOut = Atomic<UInt64>(0)
    let envelopesIn = Atomic<UInt64>(0)
    let envelopesOut = Atomic<UInt64>(0)
    let errors = Atomic<UInt64>(0)

    init() {}

    func received(bytes: Int) { bytesIn.add(UInt64(bytes), ordering: .relaxed) }
    func sent(bytes: Int) { bytesOut.add(UInt64(bytes), ordering: .relaxed) }
    func received(envelopes: Int) { envelopesIn.add(UInt64(envelopes), ordering: .relaxed) }
    /// Envelopes this node served to the peer (counted by the server on `/v1/sync/envelopes`).
    public func served(envelopes: Int, bytes: Int) {
        envelopesOut.add(UInt64(envelopes), ordering: .relaxed)
        bytesOut.add(UInt64(bytes), ordering: .relaxed)
    }
}

/// What one reconciliation round did.
public struct RoundReport: Sendable, Codable, Equatable {
    /// The peer's URL.
    public var url: String
    /// When it started and how long it took (milliseconds).
    public var at: UInt32
    public var milliseconds: Int
    /// Negentropy messages exchanged (requests sent).
    public var exchanges: Int
    /// Bytes of Negentropy messages sent and received: the cost of finding the difference.
    public var messageBytesOut: Int
    public var messageBytesIn: Int
    /// Keys only this node holds (the peer fetches them when it reconciles) and keys only the
    /// peer holds.
    public var have: Int
    public var need: Int
    /// Envelopes fetched, of them stored, and refused by this node's rules or window.
    public var fetched: Int
    public var stored: Int
    public var refused: Int
    /// Coverage gaps this round healed.
    public var healedGaps: Int
    /// Why it failed, when it did.
    public var error: String?

    /// A round with `url` starting at `at`, nothing done yet.
    public init(url: String, at: UInt32) {
        self.url = url
        self.at = at
        (milliseconds, exchanges, messageBytesOut, messageBytesIn) = (0, 0, 0, 0)
        (have, need, fetched, stored, refused, healedGaps) = (0, 0, 0, 0, 0, 0)
    }
}

/// One peer: what the operator named, what it proved, and how the link is doing.
public final class Peer: Sendable {
    /// Where the link stands.
    public enum State: String, Sendable, Codable {
        /// Not yet verified.
        case connecting
        /// Verified and in use.
        case up
        /// Failing; retried after a back-off.
        case backingOff
        /// Its key changed (or does not match the pin): not used until the operator decides.
        case refused
    }

    struct Live {
        var state: State = .connecting
        var identity: ProviderIdentity?
        var lastRound: RoundReport?
        var lastError: String?
        var lastErrorAt: UInt32?
        /// When this node was last known to hold everything the peer held (a round finished, or
        /// the announcement stream has been up since then).
        var syncedAt: UInt32?
        var relayConnected = false
        /// Failures in a row of reconciliation rounds and of the relay stream, kept apart so that
        /// a failing stream does not delay rounds, nor failing rounds the stream.
        var failures = [Link.rounds: 0, Link.relay: 0]
    }

    /// The peer as configured.
    public let spec: PeerSpec
    /// Its client.
    public let client: PeerClient
    /// Its counters.
    public let counters: PeerCounters
    let live = Mutex(Live())
    /// Set to run a reconciliation round now (relay reconnects, `/v1/sync/rounds`).
    let wakeRequested = Atomic<Bool>(false)

    init(spec: PeerSpec, client: PeerClient, counters: PeerCounters) {
        self.spec = spec
        self.client = client
        self.counters = counters
    }

    /// The peer's verified address, once seen.
    public var address: ProviderAddress? { live.withLock { $0.identity?.address } }

    /// The two ways a peer is used, each backing off on its own.
    enum Link {
        case rounds, relay
    }

    func failed(_ error: FederationError, now: UInt32, on link: Link) {
        counters.errors.add(1, ordering: .relaxed)
        live.withLock {
            $0.lastError = error.description
            $0.lastErrorAt = now
            $0.failures[link, default: 0] += 1
            $0.state = error.code == "keyChanged" ? .refused : .backingOff
        }
    }

    /// The back-off before the next attempt on `link` after its failures in a row: 1 s doubling to
    /// 5 minutes, with up to 50% random jitter so that a fleet does not retry in step.
    func backoff(_ link: Link) -> Duration {
        let failures = live.withLock { $0.failures[link, default: 0] }
        let base = min(300.0, pow(2.0, Double(max(0, failures - 1))))
        return .milliseconds(Int(base * 1000 * Double.random(in: 0.5...1.0)))
    }

    /// The link as `/v1/peers` shows it.
    public func status(now: UInt32) -> PeerStatus {
        let current = live.withLock { $0 }
        let lag: UInt32? = current.relayConnected && current.syncedAt != nil ? 0 : current.syncedAt.map { now &- $0 }
        return PeerStatus(
            url: spec.url, address: current.identity?.address.description ?? spec.pinned?.description,
            pinned: spec.pinned != nil, state: current.state, relay: current.relayConnected, lagSeconds: lag,
            lastRound: current.lastRound,
            envelopesIn: counters.envelopesIn.load(ordering: .relaxed), envelopesOut: counters.envelopesOut.load(ordering: .relaxed),
            bytesIn: counters.bytesIn.load(ordering: .relaxed), bytesOut: counters.bytesOut.load(ordering: .relaxed),
            errors: counters.errors.load(ordering: .relaxed), lastError: current.lastError, lastErrorAt: current.lastErrorAt)
    }
}

/// One peer in `GET /v1/peers`.
public struct PeerStatus: Sendable, Codable, Equatable {
    public var url: String
    public var address: String?
    public var pinned: Bool
    public var state: Peer.State
    /// Whether its announcement stream is connected.
    public var relay: Bool
    /// Seconds since this node was last known complete with respect to the peer (0 while the
    /// relay is up after a finished round; absent before the first round finished).
    public var lagSeconds: UInt32?
    public var lastRound: RoundReport?
    public var envelopesIn: UInt64
    public var envelopesOut: UInt64
    public var bytesIn: UInt64
    public var bytesOut: UInt64
    public var errors: UInt64
    public var lastError: String?
    public var lastErrorAt: UInt32?
}
