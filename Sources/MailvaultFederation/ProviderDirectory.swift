import Foundation
import MailvaultAccountability
import MailvaultAPI
import Synchronization

/// The providers a node knows, for `GET /v1/providers` (Docs/Discovery.md): the peers it verified
/// itself, and the providers those peers list ("heard"), each a signed descriptor that verified,
/// the newest sequence per address, none expired.
///
/// What a peer lists is hostile: one operator can mint keys without end, and a peer can relay
/// every one of them. So the directory is bounded (`Limits.capacity`), and when it is full a new
/// key is refused rather than an old one evicted, which keeps a flood from displacing what is
/// already known. Three rules bound what any one party can take:
/// - each configured peer has an equal share of the capacity: a flooding peer fills its own
///   share only, never the share of another peer (peers are the operator's choice, so the
///   operator decides whose word counts);
/// - at most `Limits.perHost` providers per endpoint host: keys are free, hosts are not;
/// - a heard entry lives only while some peer keeps listing it (`Limits.staleAfter`) and its
///   descriptor has not expired, and a descriptor may not claim to stay valid longer than
///   `Limits.maximumLifetime`, so whatever a flood got in drains out once its source stops.
/// Peers the node verified itself are always listed and never count against the capacity.
public final class ProviderDirectory: Sendable {
    /// The bounds.
    public struct Limits: Sendable {
        /// Heard entries kept.
        public var capacity = 512
        /// Providers (heard or peers) whose endpoints share one host.
        public var perHost = 4
        /// The latest expiry accepted, in seconds from now.
        public var maximumLifetime: UInt32 = 7 * 86_400
        /// Seconds after which a heard entry no peer listed again is dropped.
        public var staleAfter: UInt32 = 3600
        /// Endpoints a descriptor may name, and the longest one, for it to be listed.
        public var maximumEndpoints = 8
        public var maximumEndpointLength = 512

        /// The defaults.
        public init() {}
    }

    /// What one directory answer from a peer did.
    public struct LearnReport: Sendable, Equatable, Codable {
        /// New providers listed.
        public var added = 0
        /// Providers whose newer descriptor replaced the one held.
        public var updated = 0
        /// Providers already held at this sequence or a newer one, or known firsthand.
        public var unchanged = 0
        /// Entries refused, by reason.
        public var refused: [String: Int] = [:]

        public init() {}
    }

    /// How many providers are listed, by origin.
    public struct Counts: Sendable, Equatable {
        public var peers: Int
        public var heard: Int
        /// Entries refused since start.
        public var refused: Int

        public init(peers: Int, heard: Int, refused: Int) {
            self.peers = peers
            self.heard = heard
            self.refused = refused
        }
    }

    struct Heard {
        var identity: ProviderIdentity
        /// The peers that list it, with when each last did.
        var sources: [ProviderAddress: UInt32]
        var firstSeen: UInt32
    }

    struct State {
        var peers: [ProviderAddress: ProviderIdentity] = [:]
        var heard: [ProviderAddress: Heard] = [:]
        var refused = 0
    }

    /// The bounds in force.
    public let limits: Limits
    private let own: ProviderAddress?
    private let sources: Int
    private let state = Mutex(State())

    /// A directory for the node `own` with `sources` configured peers.
    public init(own: ProviderAddress?, sources: Int, limits: Limits = Limits()) {
        self.own = own
        self.sources = max(1, sources)
        self.limits = limits
    }

    /// Records a peer's descriptor this node fetched and verified itself.
    public func know(peer identity: ProviderIdentity) {
        state.withLock { state in
            if let held = state.peers[identity.address], held.descriptor.sequence >= identity.descriptor.sequence { return }
            state.peers[identity.address] = identity
            // Known firsthand now: no longer hearsay, and no longer charged to a peer's share.
            state.heard[identity.address] = nil
        }
    }

    /// Takes the descriptors `source` (a verified peer) listed: each verified and checked, then
    /// admitted under the rules above.
    public func learn(_ documents: [SignedDocumentBody], from source: ProviderAddress, now: UInt32) -> LearnReport {
        var report = LearnReport()
        var checked: [ProviderIdentity] = []
        for body in documents {
            do {
                let identity = try ProviderIdentity(signed: try SignedDocument(body: body))
                try check(identity.descriptor, now: now)
                checked.append(identity)
            } catch {
                report.refused[ProviderDirectory.reason(error), default: 0] += 1
            }
        }
        state.withLock { state in
            drop(stale: &state, now: now)
            let share = max(1, limits.capacity / sources)
            var charged = state.heard.values.reduce(0) { $0 + ($1.sources[source] == nil ? 0 : 1) }
            for identity in checked {
                let address = identity.address
                if address == own || state.peers[address] != nil {
                    report.unchanged += 1
                    continue
                }
                if var entry = state.heard[address] {
                    if entry.sources[source] == nil {
                        guard charged < share else {
                            report.refused["the peer's share of the directory is full", default: 0] += 1
                            continue
                        }
                        charged += 1
                    }
                    entry.sources[source] = now
                    if identity.descriptor.sequence > entry.identity.descriptor.sequence {
                        entry.identity = identity
                        report.updated += 1
                    } else {
                        report.unchanged += 1
                    }
                    state.heard[address] = entry
                    continue
                }
                guard charged < share else {
                    report.refused["the peer's share of the directory is full", default: 0] += 1
                    continue
                }
                guard state.heard.count < limits.capacity else {
                    report.refused["the directory is full", default: 0] += 1
                    continue
                }
                if let host = crowded(identity.descriptor, in: state) {
                    report.refused["\(limits.perHost) providers are listed at \(host) already", default: 0] += 1
                    continue
                }
                state.heard[address] = Heard(identity: identity, sources: [source: now], firstSeen: now)
                charged += 1
                report.added += 1
            }
            state.refused += report.refused.values.reduce(0, +)
        }
        return report
    }

    /// The directory's listing at `now`: `own` first, then the peers, then heard providers by
    /// how many peers list them and how long they have been known; expired ones left out.
    public func listing(own document: SignedDocument?, now: UInt32) -> [SignedDocument] {
        state.withLock { state in
            drop(stale: &state, now: now)
            let peers = state.peers.values
                .filter { $0.descriptor.expires > now && !$0.descriptor.endpoints.isEmpty && $0.address != own }
                .sorted { $0.address.description < $1.address.description }
            let heard = state.heard.values.sorted {
                ($0.sources.count, -Int($0.firstSeen), $1.identity.address.description)
                    > ($1.sources.count, -Int($1.firstSeen), $0.identity.address.description)
            }
            return (document.map { [$0] } ?? []) + peers.map(\.signed) + heard.map(\.identity.signed)
        }
    }

    /// The number of providers listed, by origin, and how many entries were refused since start.
    public func counts(now: UInt32) -> Counts {
        state.withLock { state in
            Counts(peers: state.peers.values.filter { $0.descriptor.expires > now }.count, heard: state.heard.count,
                   refused: state.refused)
        }
    }

    // MARK: Rules

    /// Why `descriptor` cannot be listed at `now`, if it cannot.
    private func check(_ descriptor: ProviderDescriptor, now: UInt32) throws(DirectoryRefusal) {
        guard descriptor.expires > now else { throw DirectoryRefusal("it has expired") }
        guard descriptor.expires - now <= limits.maximumLifetime else {
            throw DirectoryRefusal("it claims to stay valid for more than \(limits.maximumLifetime) s")
        }
        guard descriptor.issuedAt <= now + 300 else { throw DirectoryRefusal("it is issued in the future") }
        guard !descriptor.endpoints.isEmpty else { throw DirectoryRefusal("it names no endpoint") }
        guard descriptor.endpoints.count <= limits.maximumEndpoints else {
            throw DirectoryRefusal("it names more than \(limits.maximumEndpoints) endpoints")
        }
        for endpoint in descriptor.endpoints {
            guard endpoint.utf8.count <= limits.maximumEndpointLength, ProviderDirectory.host(endpoint) != nil else {
                throw DirectoryRefusal("it names an endpoint that is not an http(s) URL")
            }
        }
    }

    /// The host of `descriptor`'s that already has `perHost` providers, if one does.
    private func crowded(_ descriptor: ProviderDescriptor, in state: State) -> String? {
        let hosts = Set(descriptor.endpoints.compactMap(ProviderDirectory.host))
        var counts: [String: Int] = [:]
        let listed = state.peers.values.map(\.descriptor) + state.heard.values.map(\.identity.descriptor)
        for other in listed {
            for host in Set(other.endpoints.compactMap(ProviderDirectory.host)) where hosts.contains(host) {
                counts[host, default: 0] += 1
            }
        }
        return counts.first { $0.value >= limits.perHost }?.key
    }

    /// Drops heard entries that expired or that no peer listed within `staleAfter`.
    private func drop(stale state: inout State, now: UInt32) {
        let oldest = now > limits.staleAfter ? now - limits.staleAfter : 0
        state.heard = state.heard.compactMapValues { entry in
            var entry = entry
            entry.sources = entry.sources.filter { $0.value >= oldest }
            return entry.sources.isEmpty || entry.identity.descriptor.expires <= now ? nil : entry
        }
    }

    /// The lower-cased host of an `http` or `https` URL.
    static func host(_ endpoint: String) -> String? {
        guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty else { return nil }
        return host.lowercased()
    }

    static func reason(_ error: any Error) -> String {
        switch error {
        case let refusal as DirectoryRefusal: refusal.reason
        case AccountabilityError.wrongSigner: "it is not signed by the key it names"
        case AccountabilityError.invalidSignature: "its signature does not verify"
        case AccountabilityError.malformedDocument: "it is not a well-formed signed descriptor"
        default: "it cannot be read"
        }
    }
}

/// Why a descriptor is not listed.
struct DirectoryRefusal: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
