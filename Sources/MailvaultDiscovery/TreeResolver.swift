import MailvaultCore

/// Resolves EIP-1459 trees over DNS into verified node records.
///
/// For each tree: the root must be signed by the key its URL (or link) names; its sequence must
/// not be lower than the last one this resolver saw for that tree; every entry must hash to the
/// label it was fetched at and be of the kind its subtree allows; links are followed to other
/// trees, each checked against its own key; and every bound in `Limits` holds. Any failure throws
/// and nothing of that resolution is returned.
public actor TreeResolver {
    /// The bounds on what one resolution fetches.
    public struct Limits: Sendable {
        /// Entries fetched across every tree (roots included).
        public var maximumEntries = 4096
        /// Bytes of entry text across every tree.
        public var maximumBytes = 2 << 20
        /// Bytes of one entry (a 13-child branch is 365, a 300-byte record 404).
        public var maximumEntryBytes = 1024
        /// Trees visited (the first one and every linked one).
        public var maximumTrees = 32
        /// Links followed from the first tree to the deepest.
        public var maximumLinkDepth = 8
        /// Branches nested in one subtree (a fan-out of 13 at depth 8 holds 800 million leaves).
        public var maximumBranchDepth = 8

        public init() {}
    }

    private let client: DNSClient
    private let limits: Limits
    /// The highest root sequence seen per tree, across resolutions.
    private var sequences: [TreeLink: UInt64] = [:]

    /// A resolver asking `client`, within `limits`, that refuses any tree whose root is older
    /// than in `knownSequences` (what an earlier resolver's `knownSequences` held, kept by the
    /// caller across runs).
    public init(client: DNSClient, limits: Limits = Limits(), knownSequences: [TreeLink: UInt64] = [:]) {
        self.client = client
        self.limits = limits
        sequences = knownSequences
    }

    /// The highest root sequence number seen per tree by every successful resolution so far.
    public var knownSequences: [TreeLink: UInt64] { sequences }

    /// Resolves the tree at `url` (`enrtree://<key>@<domain>`) and every tree it links to.
    public func resolve(_ url: String) async throws(DiscoveryError) -> TreeResolution {
        let link: TreeLink
        do throws(TreeEntryError) {
            link = try TreeLink(text: url)
        } catch {
            throw .invalidURL(url, error)
        }
        return try await resolve(link)
    }

    /// Resolves the tree `link` names and every tree it links to.
    public func resolve(_ link: TreeLink) async throws(DiscoveryError) -> TreeResolution {
        var walk = Walk()
        try await visit(link, path: [], walk: &walk)
        // Only a fully verified resolution raises the known sequences.
        for (tree, sequence) in walk.trees { sequences[tree] = max(sequences[tree] ?? 0, sequence) }
        let records = walk.records.values.sorted { $0.record.nodeID < $1.record.nodeID }
        return TreeResolution(records: records, trees: walk.trees)
    }

    /// What one resolution has gathered and spent so far.
    private struct Walk {
        var trees: [TreeLink: UInt64] = [:]
        var records: [Hash256: DiscoveredRecord] = [:]
        var entries = 0
        var bytes = 0
    }

    private enum Subtree { case records, links }

    private func visit(_ link: TreeLink, path: [TreeLink], walk: inout Walk) async throws(DiscoveryError) {
        if path.contains(link) { throw .linkLoop((path + [link]).map(\.text)) }
        // A tree reached again by another chain of links (not a loop) is read once.
        if walk.trees[link] != nil { return }
        guard path.count <= limits.maximumLinkDepth else { throw .tooDeep(limit: limits.maximumLinkDepth) }
        guard walk.trees.count < limits.maximumTrees else { throw .tooManyTrees(limit: limits.maximumTrees) }
        let texts = try await lookup(link.domain)
        guard let text = texts.first(where: { $0.hasPrefix("enrtree-root:") }) else { throw .missingRoot(link.domain) }
        try spend(text, name: link.domain, walk: &walk)
        let root: TreeRoot
        do throws(TreeEntryError) {
            root = try TreeRoot(text: text)
        } catch {
            throw .invalidEntry(name: link.domain, error)
        }
        guard root.isSigned(by: link.publicKey) else { throw .wrongRootSignature(domain: link.domain) }
        if let known = sequences[link], root.sequence < known {
            throw .sequenceRolledBack(domain: link.domain, known: known, found: root.sequence)
        }
        walk.trees[link] = root.sequence
        var links: [TreeLink] = []
        var seen: Set<String> = []
        try await descend(root.recordRoot, in: link, subtree: .records, depth: 0, seen: &seen, links: &links, walk: &walk)
        try await descend(root.linkRoot, in: link, subtree: .links, depth: 0, seen: &seen, links: &links, walk: &walk)
        for next in links {
            try await visit(next, path: path + [link], walk: &walk)
        }
    }

    private func descend(_ label: String, in tree: TreeLink, subtree: Subtree, depth: Int, seen: inout Set<String>,
                         links: inout [TreeLink], walk: inout Walk,
                         prefetched: Result<[String], DNSError>? = nil) async throws(DiscoveryError) {
        guard depth <= limits.maximumBranchDepth else { throw .tooDeep(limit: limits.maximumBranchDepth) }
        guard seen.insert(label.uppercased()).inserted else { return }
        let name = label + "." + tree.domain
        let texts: [String]
        if let prefetched {
            do throws(DNSError) {
                texts = try prefetched.get()
            } catch {
                throw .dns(name: name, error)
            }
        } else {
            texts = try await lookup(name)
        }
        let candidates = texts.filter { $0.hasPrefix("enr") }
        guard !candidates.isEmpty else { throw .missingEntry(name) }
        guard let text = candidates.first(where: { TreeEntry.matches($0, label: label) }) else { throw .hashMismatch(name) }
        try spend(text, name: name, walk: &walk)
        let entry: TreeEntry
        do throws(TreeEntryError) {
            entry = try TreeEntry(text: text)
        } catch {
            throw .invalidEntry(name: name, error)
        }
        switch (entry, subtree) {
        case (.root, _):
            throw .unexpectedEntry(name: name, "a root inside a tree")
        case (.branch(let children), _):
            // The children are looked up at once (at most a branch's worth), then checked and
            // descended into one by one, in order, so errors and limits come out the same.
            guard depth < limits.maximumBranchDepth else { throw .tooDeep(limit: limits.maximumBranchDepth) }
            let fresh = children.filter { !seen.contains($0.uppercased()) }
            let fetched = await lookupAll(Array(Set(fresh)), in: tree)
            for child in children {
                try await descend(child, in: tree, subtree: subtree, depth: depth + 1, seen: &seen, links: &links, walk: &walk,
                                  prefetched: fetched[child])
            }
        case (.record(let record), .records):
            // Of two records of one node (in two trees), the higher sequence number wins.
            if let known = walk.records[record.nodeID], known.record.sequence >= record.sequence { return }
            walk.records[record.nodeID] = DiscoveredRecord(record: record, tree: tree)
        case (.link(let next), .links):
            links.append(next)
        case (.record, .links):
            throw .unexpectedEntry(name: name, "a node record in the link subtree")
        case (.link, .records):
            throw .unexpectedEntry(name: name, "a link in the record subtree")
        }
    }

    private func spend(_ text: String, name: String, walk: inout Walk) throws(DiscoveryError) {
        let size = text.utf8.count
        guard size <= limits.maximumEntryBytes else { throw .entryTooLarge(name: name, size: size) }
        walk.entries += 1
        walk.bytes += size
        guard walk.entries <= limits.maximumEntries else { throw .tooManyEntries(limit: limits.maximumEntries) }
        guard walk.bytes <= limits.maximumBytes else { throw .tooManyBytes(limit: limits.maximumBytes) }
    }

    /// The TXT records of `label.domain` for every label, asked concurrently.
    private func lookupAll(_ labels: [String], in tree: TreeLink) async -> [String: Result<[String], DNSError>] {
        let client = self.client
        return await withTaskGroup(of: (String, Result<[String], DNSError>).self) { group in
            for label in labels {
                group.addTask {
                    do throws(DNSError) {
                        return (label, .success(try await client.txt(label + "." + tree.domain)))
                    } catch {
                        return (label, .failure(error))
                    }
                }
            }
            var results: [String: Result<[String], DNSError>] = [:]
            for await (label, result) in group { results[label] = result }
            return results
        }
    }

    private func lookup(_ name: String) async throws(DiscoveryError) -> [String] {
        do throws(DNSError) {
            return try await client.txt(name)
        } catch {
            throw .dns(name: name, error)
        }
    }
}
