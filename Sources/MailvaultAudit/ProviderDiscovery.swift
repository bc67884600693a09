import MailvaultAccountability
import MailvaultDiscovery

/// Providers found through an EIP-1459 tree, each held to its record's key: the resolver verifies
/// the tree and the records (Docs/Discovery.md), then each provider's signed descriptor is fetched
/// from the endpoints in its record and the provider is kept only when the descriptor is signed
/// by the same key as the record.
public enum ProviderDiscovery {
    /// A provider that passed every check.
    public struct Provider: Sendable {
        /// The endpoint whose descriptor verified (the first one in the record's order that did).
        public let url: String
        /// The provider's address: its record's key and its descriptor's signer.
        public let address: ProviderAddress
        /// The record and the tree it came from.
        public let found: DiscoveredRecord
        /// The verified descriptor (policy, limits, coverage).
        public let identity: ProviderIdentity
    }

    /// A record that was not kept, and why.
    public struct Dropped: Error, Sendable, CustomStringConvertible {
        /// The record and the tree it came from.
        public let found: DiscoveredRecord
        /// Why: no `mailvault` entry, another API version, a descriptor signed by another key,
        /// or every endpoint unreachable or invalid (each one's error).
        public let reason: String

        public var description: String { "\(found.address): \(reason)" }
    }

    /// What a discovery found.
    public struct Report: Sendable {
        /// The providers kept, ordered by URL.
        public var providers: [Provider]
        /// The records dropped, ordered by address.
        public var dropped: [Dropped]
        /// Every tree visited, with its root's sequence number.
        public var trees: [TreeLink: UInt64]
    }

    /// Resolves `url` (`enrtree://KEY@DOMAIN`) with `resolver` and checks every record's
    /// provider, `timeout` seconds per descriptor request, all providers at once. A resolution
    /// failure throws (nothing is used); a provider that fails its check is reported in `dropped`.
    public static func discover(_ url: String, resolver: TreeResolver, timeout: Double = 10) async throws(DiscoveryError) -> Report {
        let resolution = try await resolver.resolve(url)
        var report = Report(providers: [], dropped: [], trees: resolution.trees)
        await withTaskGroup(of: Result<Provider, Dropped>.self) { group in
            for found in resolution.records {
                group.addTask { await check(found, timeout: timeout) }
            }
            for await result in group {
                switch result {
                case .success(let provider): report.providers.append(provider)
                case .failure(let dropped): report.dropped.append(dropped)
                }
            }
        }
        report.providers.sort { $0.url < $1.url }
        report.dropped.sort { $0.found.address.description < $1.found.address.description }
        return report
    }

    /// The provider behind `found`, or why it is dropped. Endpoints are tried in the record's
    /// order; the first whose descriptor verifies and is signed by the record's key is used.
    public static func check(_ found: DiscoveredRecord, timeout: Double = 10) async -> Result<Provider, Dropped> {
        let endpoints: ProviderEndpoints
        do throws(NodeRecordError) {
            guard let value = try found.endpoints() else {
                return .failure(Dropped(found: found, reason: "its record has no 'mailvault' entry (not a Mailvault provider)"))
            }
            endpoints = value
        } catch {
            return .failure(Dropped(found: found, reason: "\(error)"))
        }
        guard endpoints.version == ProviderEndpoints.currentVersion else {
            return .failure(Dropped(found: found, reason: "it serves API version \(endpoints.version), this client speaks \(ProviderEndpoints.currentVersion)"))
        }
        var failures: [String] = []
        for url in endpoints.urls {
            do throws(AuditError) {
                let identity = try await ProviderClient(url: url, timeout: timeout).descriptor().value
                guard identity.address == found.address else {
                    failures.append("\(url) serves a descriptor signed by \(identity.address), not by the record's key \(found.address)")
                    continue
                }
                return .success(Provider(url: url, address: found.address, found: found, identity: identity))
            } catch {
                failures.append("\(url): \(error)")
            }
        }
        return .failure(Dropped(found: found, reason: failures.joined(separator: "; ")))
    }
}
