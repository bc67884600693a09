/// Why resolving a tree failed. Resolution is all or nothing: when any of these is thrown, no
/// record of the resolution is returned.
public enum DiscoveryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The URL is not `enrtree://<key>@<domain>`.
    case invalidURL(String, TreeEntryError)
    /// A DNS lookup failed (after its retries).
    case dns(name: String, DNSError)
    /// The domain has no `enrtree-root:v1` TXT record.
    case missingRoot(String)
    /// A name the tree points at holds no tree entry.
    case missingEntry(String)
    /// An entry that does not parse; a tampered record is `.invalidEntry(name, .record(.badSignature))`.
    case invalidEntry(name: String, TreeEntryError)
    /// The root is not signed by the key in the URL (or the link) that led to it.
    case wrongRootSignature(domain: String)
    /// The entry at a name does not hash to the name's label.
    case hashMismatch(String)
    /// A root where a subtree entry belongs, a link among records, a record among links.
    case unexpectedEntry(name: String, String)
    /// A root whose sequence number is lower than one this resolver already saw for the tree.
    case sequenceRolledBack(domain: String, known: UInt64, found: UInt64)
    /// A chain of links that comes back to a tree on it.
    case linkLoop([String])
    /// More entries than `TreeResolver.Limits.maximumEntries` across all trees.
    case tooManyEntries(limit: Int)
    /// More bytes of entry text than `TreeResolver.Limits.maximumBytes` across all trees.
    case tooManyBytes(limit: Int)
    /// One entry longer than `TreeResolver.Limits.maximumEntryBytes`.
    case entryTooLarge(name: String, size: Int)
    /// More trees than `TreeResolver.Limits.maximumTrees`.
    case tooManyTrees(limit: Int)
    /// Branches nested deeper than `maximumBranchDepth`, or links deeper than `maximumLinkDepth`.
    case tooDeep(limit: Int)

    public var description: String {
        switch self {
        case .invalidURL(let url, let error): "'\(url.prefix(120))' is not an enrtree:// URL: \(error)"
        case .dns(let name, let error): "looking up \(name): \(error)"
        case .missingRoot(let domain): "\(domain) has no enrtree-root:v1 TXT record"
        case .missingEntry(let name): "\(name) holds no tree entry"
        case .invalidEntry(let name, let error): "the tree entry at \(name) is invalid: \(error)"
        case .wrongRootSignature(let domain): "the tree root at \(domain) is not signed by the tree's key"
        case .hashMismatch(let name): "the entry at \(name) does not hash to its name (tampered or corrupted)"
        case .unexpectedEntry(let name, let what): "unexpected entry at \(name): \(what)"
        case .sequenceRolledBack(let domain, let known, let found):
            "the tree at \(domain) went back to sequence \(found) after \(known) (a stale or replayed tree)"
        case .linkLoop(let chain): "tree links loop: " + chain.joined(separator: " -> ")
        case .tooManyEntries(let limit): "the tree has more than \(limit) entries"
        case .tooManyBytes(let limit): "the tree's entries hold more than \(limit) bytes"
        case .entryTooLarge(let name, let size): "the entry at \(name) is \(size) bytes, too large for a tree entry"
        case .tooManyTrees(let limit): "the tree links to more than \(limit) trees"
        case .tooDeep(let limit): "the tree nests deeper than \(limit) levels"
        }
    }
}
