import Foundation
import MailvaultAccountability
import MailvaultAPI
import MailvaultAudit
import MailvaultDiscovery

/// Where the client learns which providers exist. Sources are tried together and their
/// candidates merged (by URL); a source that fails is reported and the others still count.
///
/// Mailvault ships three: `ProviderURLs` (URLs the user typed), `BootstrapDirectory` (one node's
/// signed directory, `GET /v1/providers`) and `DNSTree` (an EIP-1459 tree in DNS).
public protocol ProviderSource: Sendable {
    /// The source in words, for errors and progress (`directory http://…`).
    var name: String { get }
    /// The providers this source names. Descriptors it carries must already be verified.
    func candidates(using transport: ProviderTransport) async throws(ClientError) -> [ProviderCandidate]
}

/// Providers given by URL; their descriptors are fetched and verified when they are probed.
public struct ProviderURLs: ProviderSource {
    /// The URLs, normalised (no trailing slash), in the order given.
    public let urls: [String]

    /// Fails on the first URL that is not an absolute http(s) URL.
    public init(_ urls: [String]) throws(ClientError) {
        var normalised: [String] = []
        for url in urls { normalised.append(try ProviderTransport.normalise(url)) }
        self.urls = normalised
    }

    public var name: String { "--provider" }

    public func candidates(using transport: ProviderTransport) async throws(ClientError) -> [ProviderCandidate] {
        urls.map { ProviderCandidate(url: $0) }
    }
}

/// A node's directory of providers, `GET /v1/providers`:
/// `{"providers":[<signed descriptor>, …]}`, each entry exactly what `GET /v1/provider` serves.
///
/// Every entry is verified on its own (signed by the key it publishes); one that fails, has
/// expired or names no http(s) endpoint is skipped, so a directory cannot vouch for a provider,
/// only point at it. Of several descriptors by one address the highest `sequence` is kept.
public struct BootstrapDirectory: ProviderSource {
    /// The node asked, as given (normalised).
    public let url: String
    /// The largest directory answer read (`AnswerBody.maximumDirectoryEntries` bounds the entries).
    public static let maximumBytes = 8 << 20

    /// The directory of the node at `url`; fails when it is not an absolute http(s) URL.
    public init(url: String) throws(ClientError) {
        self.url = try ProviderTransport.normalise(url)
    }

    public var name: String { "directory \(url)" }

    public func candidates(using transport: ProviderTransport) async throws(ClientError) -> [ProviderCandidate] {
        let answer = try await transport.request(url + "/v1/providers", limit: BootstrapDirectory.maximumBytes)
        try answer.expect(200)
        return try BootstrapDirectory.parse(answer.body, from: url + "/v1/providers",
                                            now: UInt32(clamping: Int(Date().timeIntervalSince1970))).candidates
    }

    /// The candidates of a directory answer and why the skipped entries were skipped. The answer
    /// is read by the strict parser the node uses for its peers' directories
    /// (`AnswerBody.directory`); an answer that is not a directory of signed documents is an
    /// error, an entry that does not verify is skipped.
    public static func parse(_ body: [UInt8], from url: String, now: UInt32) throws(ClientError)
        -> (candidates: [ProviderCandidate], skipped: [String]) {
        let entries: [SignedDocumentBody]
        do {
            entries = try AnswerBody.directory(body)
        } catch {
            throw .malformedAnswer(url: url, reason: error.message)
        }
        var best: [ProviderAddress: ProviderIdentity] = [:]
        var order: [ProviderAddress] = []
        var skipped: [String] = []
        for (index, entry) in entries.enumerated() {
            let identity: ProviderIdentity
            do {
                identity = try ProviderIdentity(signed: try SignedDocument(body: entry))
            } catch {
                skipped.append("entry \(index): \(error)")
                continue
            }
            guard identity.descriptor.expires >= now else {
                skipped.append("entry \(index) (\(identity.address)) expired at \(identity.descriptor.expires)")
                continue
            }
            if let known = best[identity.address] {
                if identity.descriptor.sequence > known.descriptor.sequence { best[identity.address] = identity }
            } else {
                best[identity.address] = identity
                order.append(identity.address)
            }
        }
        var candidates: [ProviderCandidate] = []
        for address in order {
            guard let identity = best[address] else { continue }
            guard let endpoint = identity.descriptor.endpoints.lazy.compactMap({ try? ProviderTransport.normalise($0) }).first else {
                skipped.append("\(address) publishes no http(s) endpoint")
                continue
            }
            candidates.append(ProviderCandidate(url: endpoint, identity: identity))
        }
        return (candidates, skipped)
    }
}

/// Providers named by an EIP-1459 DNS tree, `enrtree://KEY@DOMAIN` (Docs/Discovery.md): the tree
/// is resolved and verified (root signature, every hash, links, bounds), and a record's provider
/// becomes a candidate only when the descriptor its endpoint serves is signed by the record's key.
/// Records that fail are left out; a tree that fails to verify is an error and nothing is used.
public struct DNSTree: ProviderSource {
    /// The tree, as given.
    public let url: String
    private let link: TreeLink
    private let dnsServer: String?

    /// The tree at `url`, asked of `dnsServer` (`HOST:PORT`), or of the first nameserver of
    /// /etc/resolv.conf when `nil`.
    public init(url: String, dnsServer: String? = nil) throws(ClientError) {
        do {
            link = try TreeLink(text: url)
        } catch {
            throw .invalidConfiguration("'\(url)' is not an enrtree://KEY@DOMAIN URL: \(error)")
        }
        if let dnsServer {
            do {
                _ = try DNSClient(server: dnsServer)
            } catch {
                throw .invalidConfiguration("--dns-server \(dnsServer): \(error)")
            }
        }
        self.url = url
        self.dnsServer = dnsServer
    }

    public var name: String { "tree \(url)" }

    public func candidates(using transport: ProviderTransport) async throws(ClientError) -> [ProviderCandidate] {
        let seconds = Double(transport.requestTimeout.components.seconds)
            + Double(transport.requestTimeout.components.attoseconds) / 1e18
        let report: ProviderDiscovery.Report
        do {
            let client = try dnsServer.map { server throws(DNSError) in try DNSClient(server: server) } ?? DNSClient.system()
            report = try await ProviderDiscovery.discover(link.text, resolver: TreeResolver(client: client), timeout: seconds)
        } catch let error as DNSError {
            throw .unreachable(url: url, reason: "\(error)")
        } catch let error as DiscoveryError {
            throw .refusedAnswer(url: url, reason: "\(error)")
        } catch {
            throw .refusedAnswer(url: url, reason: "\(error)")
        }
        return report.providers.map { ProviderCandidate(url: $0.url, identity: $0.identity) }
    }
}
