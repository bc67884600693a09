import MailvaultAccountability
import MailvaultCore

/// A signed EIP-1459 tree of node records and links, ready to publish as a DNS zone.
///
/// Records are ordered by node id and links by text (so a tree over the same set is the same
/// tree), each becomes one leaf entry, and branches group at most `maximumChildren` hashes,
/// recursively, until one top entry remains for each subtree. A subtree of one entry has that
/// entry as its top; an empty one an empty branch. The root names both tops and is signed with
/// the curator's key.
public struct DirectoryTree: Sendable {
    /// go-ethereum's fan-out: a branch of 13 hashes (27 bytes each with its comma, 15 for the
    /// prefix) is 365 bytes, which keeps a TXT answer inside a 512-byte UDP DNS message.
    public static let maximumChildren = 13

    /// The signed root.
    public let root: TreeRoot
    /// Every entry but the root, by subdomain label.
    public let entries: [String: String]

    /// The tree of `records` and `links` with sequence number `sequence`, signed by `signer`.
    /// Of two records of the same node, the one with the higher sequence number is kept.
    public init(records: [NodeRecord], links: [TreeLink], sequence: UInt64, signer: ProviderKey) {
        var newest: [Hash256: NodeRecord] = [:]
        for record in records where (newest[record.nodeID]?.sequence ?? 0) <= record.sequence {
            newest[record.nodeID] = record
        }
        let recordTexts = newest.sorted { $0.key < $1.key }.map(\.value.text)
        let linkTexts = Set(links.map(\.text)).sorted()
        self.init(recordTexts: recordTexts, linkTexts: linkTexts, sequence: sequence, signer: signer)
    }

    /// A tree over entry texts as given, unchecked: the tests build hostile trees with it.
    init(recordTexts: [String], linkTexts: [String], sequence: UInt64, signer: ProviderKey) {
        var entries: [String: String] = [:]
        let recordRoot = DirectoryTree.build(recordTexts, into: &entries)
        let linkRoot = DirectoryTree.build(linkTexts, into: &entries)
        root = TreeRoot(recordRoot: recordRoot, linkRoot: linkRoot, sequence: sequence, signer: signer)
        self.entries = entries
    }

    /// Adds `texts` and the branches over them to `entries`; returns the top entry's label.
    private static func build(_ texts: [String], into entries: inout [String: String]) -> String {
        for text in texts { entries[TreeEntry.label(of: text)] = text }
        var level = texts
        if level.isEmpty { level = [TreeEntry.branchPrefix] }
        while level.count > 1 {
            var next: [String] = []
            var start = 0
            while start < level.count {
                let group = level[start..<min(start + maximumChildren, level.count)]
                let text = group.count == 1 ? group[group.startIndex]
                    : TreeEntry.branchPrefix + group.map { TreeEntry.label(of: $0) }.joined(separator: ",")
                entries[TreeEntry.label(of: text)] = text
                next.append(text)
                start += maximumChildren
            }
            level = next
        }
        // The top of an empty subtree is the empty branch, which no loop above wrote.
        entries[TreeEntry.label(of: level[0])] = level[0]
        return TreeEntry.label(of: level[0])
    }

    /// What the zone file holds beyond the tree.
    public struct ZoneOptions: Sendable {
        /// The primary name server (SOA MNAME and NS), fully qualified with its trailing dot;
        /// default `ns1.<domain>.`.
        public var nameserver: String?
        /// The SOA RNAME (the curator's mailbox, `@` written as `.`); default `hostmaster.<domain>.`.
        public var hostmaster: String?
        /// TTL of the root's TXT record: short, so that updates spread (EIP-1459's example: 60 s).
        public var rootTTL: UInt32 = 60
        /// TTL of every other entry: they never change, a new tree has new labels (the
        /// example's 86900 s).
        public var entryTTL: UInt32 = 86900

        /// Options with the given SOA names (`nil` for the defaults) and the default TTLs.
        public init(nameserver: String? = nil, hostmaster: String? = nil) {
            self.nameserver = nameserver
            self.hostmaster = hostmaster
        }
    }

    /// A zone file for `domain` that NSD and BIND load: SOA (serial = the tree's sequence
    /// number, modulo 2^32), NS, the root's TXT at the apex and one TXT per entry. A TXT text over
    /// 255 bytes is written as several quoted character-strings, which a resolver joins.
    public func zoneFile(domain: String, options: ZoneOptions = ZoneOptions()) throws(TreeEntryError) -> String {
        try TreeLink.check(domain: domain)
        let origin = domain.lowercased() + "."
        let nameserver = options.nameserver ?? "ns1.\(origin)"
        let hostmaster = options.hostmaster ?? "hostmaster.\(origin)"
        let serial = UInt32(truncatingIfNeeded: root.sequence)
        var lines = [
            "; EIP-1459 node tree, sequence \(root.sequence), \(entries.count + 1) entries",
            "$ORIGIN \(origin)",
            "$TTL \(options.entryTTL)",
            "@ IN SOA \(nameserver) \(hostmaster) \(serial) 3600 600 1209600 \(options.rootTTL)",
            "@ IN NS \(nameserver)",
            "@ \(options.rootTTL) IN TXT \(DirectoryTree.quoted(root.text))",
        ]
        for (label, text) in entries.sorted(by: { $0.key < $1.key }) {
            lines.append("\(label) \(options.entryTTL) IN TXT \(DirectoryTree.quoted(text))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `text` as quoted character-strings of at most 255 bytes each (RFC 1035 §3.3.14).
    static func quoted(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var parts: [String] = []
        var start = 0
        repeat {
            let chunk = bytes[start..<min(start + 255, bytes.count)]
            var escaped = ""
            for byte in chunk {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { escaped += "\\" }
                escaped += String(UnicodeScalar(byte))
            }
            parts.append("\"" + escaped + "\"")
            start += 255
        } while start < bytes.count
        return parts.joined(separator: " ")
    }
}
