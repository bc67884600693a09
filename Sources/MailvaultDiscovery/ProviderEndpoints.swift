import MailvaultCore

/// What Mailvault puts in a node record under the key `mailvault`: the version of the HTTP API
/// the provider serves and the base URLs it serves it at.
///
/// The value is the RLP list `[version, [url1, url2, ...]]`: `version` a canonical unsigned
/// integer (1 for the `/v1/` API), each URL a byte string holding an absolute `http://` or
/// `https://` URL in UTF-8 without query or fragment, at least one. Items after the second are
/// ignored, so a later version can append fields that older clients skip.
public struct ProviderEndpoints: Hashable, Sendable {
    /// The record key Mailvault uses.
    public static let key = "mailvault"
    /// The HTTP API version this code serves and speaks (`/v1/`).
    public static let currentVersion: UInt64 = 1

    /// The HTTP API version.
    public var version: UInt64
    /// The provider's base URLs, in the provider's order of preference.
    public var urls: [String]

    /// Endpoints from their parts; every URL is checked.
    public init(version: UInt64 = ProviderEndpoints.currentVersion, urls: [String]) throws(NodeRecordError) {
        guard !urls.isEmpty else { throw .invalidMailvaultEntry("no endpoint") }
        for url in urls { try ProviderEndpoints.check(url) }
        self.version = version
        self.urls = urls
    }

    /// Decodes the value of a record's `mailvault` key.
    public init(encodedValue value: [UInt8]) throws(NodeRecordError) {
        let version: UInt64
        var urls: [String] = []
        do {
            let (list, rest) = try RLP.splitList(value[...])
            guard rest.isEmpty else { throw RLPError.trailingBytes }
            let afterVersion: ArraySlice<UInt8>
            (version, afterVersion) = try RLP.splitUInt(list, as: UInt64.self)
            var (urlList, _) = try RLP.splitList(afterVersion)
            while !urlList.isEmpty {
                let (url, next) = try RLP.splitString(urlList)
                guard let text = String(validating: url, as: UTF8.self) else {
                    throw NodeRecordError.invalidMailvaultEntry("an endpoint is not UTF-8")
                }
                urls.append(text)
                urlList = next
            }
        } catch let error as NodeRecordError {
            throw error
        } catch {
            throw .invalidMailvaultEntry("\(error)")
        }
        try self.init(version: version, urls: urls)
    }

    /// The endpoints of `record`, or `nil` when it has no `mailvault` key (not a Mailvault provider).
    public init?(record: NodeRecord) throws(NodeRecordError) {
        guard let value = record.value(forKey: ProviderEndpoints.key) else { return nil }
        try self.init(encodedValue: value)
    }

    /// The record pair holding these endpoints.
    public var pair: NodeRecord.Pair {
        var writer = RLPWriter()
        writer.appendList { list in
            list.append(uint: version)
            list.appendList { inner in
                for url in urls { inner.append(string: Array(url.utf8)) }
            }
        }
        return NodeRecord.Pair(key: ProviderEndpoints.key, encodedValue: writer.bytes)
    }

    private static func check(_ url: String) throws(NodeRecordError) {
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("http://") {
            rest = url.dropFirst(7)
        } else if lower.hasPrefix("https://") {
            rest = url.dropFirst(8)
        } else {
            throw .invalidMailvaultEntry("'\(url)' is not an http(s) URL")
        }
        let host = rest.prefix { $0 != "/" && $0 != ":" }
        guard !host.isEmpty, !url.contains("?"), !url.contains("#"),
              url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else {
            throw .invalidMailvaultEntry("'\(url)' is not an absolute URL without query or fragment")
        }
    }
}
