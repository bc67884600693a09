import Foundation
import MailvaultAccountability

/// Where the client learns which providers exist. Sources are tried together and their
/// candidates merged (by URL); a source that fails is reported and the others still count.
///
/// Mailvault ships two: `ProviderURLs` (URLs the user typed) and `BootstrapDirectory` (one
/// node's signed directory, `GET /v1/providers`). An EIP-1459 DNS tree is another conformance.
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
    /// The most entries read from one directory.
    public static let maximumEntries = 1000
    /// The largest directory answer read.
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

    /// The candidates of a directory answer and why the skipped entries were skipped; only an
    /// answer that is not a directory at all is an error.
    public static func parse(_ body: [UInt8], from url: String, now: UInt32) throws(ClientError)
        -> (candidates: [ProviderCandidate], skipped: [String]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let entries = object["providers"] as? [Any] else {
            throw .malformedAnswer(url: url, reason: "a directory is {\"providers\":[…]}")
        }
        guard entries.count <= maximumEntries else {
            throw .malformedAnswer(url: url, reason: "\(entries.count) entries, more than the \(maximumEntries) read")
        }
        var best: [ProviderAddress: ProviderIdentity] = [:]
        var order: [ProviderAddress] = []
        var skipped: [String] = []
        for (index, entry) in entries.enumerated() {
            guard let fields = entry as? [String: Any] else {
                skipped.append("entry \(index) is not an object")
                continue
            }
            let identity: ProviderIdentity
            do {
                identity = try ProviderIdentity(signed: try SignedDocument(object: fields))
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
