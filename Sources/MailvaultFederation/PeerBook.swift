import Foundation
import Logging
import MailvaultAccountability
import MailvaultNode
import MailvaultStore
import Synchronization

/// The addresses this node has seen its peers sign with, by URL, kept in `peers.json` in the data
/// directory: a peer is trusted on first use, and a later change of key is refused until the
/// operator pins the new address (`--peer URL#0xADDRESS`), as SSH does with host keys.
public final class PeerBook: Sendable {
    struct Entry: Codable {
        var url: String
        var address: String
        var firstSeen: UInt32
    }

    private let path: String
    private let entries: Mutex<[String: Entry]>
    private let logger: Logger

    /// The book kept in `directory/peers.json` (empty when there is none yet).
    public init(directory: String, logger: Logger) {
        path = directory + "/peers.json"
        self.logger = logger
        let stored = AtomicFile.read(path).flatMap { try? JSONDecoder().decode([Entry].self, from: Data($0)) } ?? []
        entries = Mutex(Dictionary(stored.map { ($0.url, $0) }, uniquingKeysWith: { $1 }))
    }

    /// Admits `identity` as the peer at `spec`: the pinned address must match; otherwise the
    /// remembered one must, or none is remembered yet (and this one is remembered from now on).
    public func admit(_ identity: ProviderIdentity, as spec: PeerSpec, now: UInt32) throws(FederationError) {
        let presented = identity.address.description
        let outcome: Result<Bool, FederationError> = entries.withLock { entries in
            if let pinned = spec.pinned, pinned != identity.address {
                return .failure(.keyChanged(peer: spec.url, known: pinned.description, presented: presented))
            }
            if let known = entries[spec.url], known.address != presented, spec.pinned == nil {
                return .failure(.keyChanged(peer: spec.url, known: known.address, presented: presented))
            }
            guard entries[spec.url]?.address != presented else { return .success(false) }
            entries[spec.url] = Entry(url: spec.url, address: presented, firstSeen: now)
            return .success(true)
        }
        switch outcome {
        case .failure(let error): throw error
        case .success(let changed) where changed: persist()
        case .success: break
        }
    }

    /// The address remembered for `url`, if any.
    public func address(of url: String) -> String? {
        entries.withLock { $0[url]?.address }
    }

    private func persist() {
        let all = entries.withLock { $0.values.sorted { $0.url < $1.url } }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try AtomicFile.replace(path, with: Array(try encoder.encode(all)))
        } catch {
            logger.error("cannot write peers.json", metadata: ["error": "\(error)"])
        }
    }
}
