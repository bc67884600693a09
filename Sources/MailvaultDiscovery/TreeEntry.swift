import MailvaultCore

/// One TXT entry of an EIP-1459 tree.
///
/// | text                                   | entry                                          |
/// |----------------------------------------|------------------------------------------------|
/// | `enrtree-root:v1 e=.. l=.. seq=.. sig=..` | the root, at the tree's domain               |
/// | `enrtree-branch:<h1>,<h2>,...`         | children by hash (none is allowed)             |
/// | `enr:<base64url>`                      | a node record (leaf of the record subtree)     |
/// | `enrtree://<key>@<domain>`             | a link to another tree (leaf of the link subtree) |
///
/// Every entry but the root lives at `<label>.<domain>`, where label is `TreeEntry.label(of:)`
/// of its text.
public enum TreeEntry: Hashable, Sendable {
    /// The signed root, found at the tree's domain.
    case root(TreeRoot)
    /// The labels of the children (hashes of their texts); empty for an empty subtree.
    case branch([String])
    /// A node record, verified (a leaf of the record subtree).
    case record(NodeRecord)
    /// A link to another tree (a leaf of the link subtree).
    case link(TreeLink)

    static let branchPrefix = "enrtree-branch:"

    /// Parses an entry strictly; every malformed text is a `TreeEntryError`.
    public init(text: some StringProtocol) throws(TreeEntryError) {
        if text.hasPrefix(TreeRoot.prefix) {
            self = .root(try TreeRoot(text: text))
        } else if text.hasPrefix(TreeEntry.branchPrefix) {
            let list = text.dropFirst(TreeEntry.branchPrefix.count)
            if list.isEmpty {
                self = .branch([])
                return
            }
            var children: [String] = []
            for child in list.split(separator: ",", omittingEmptySubsequences: false) {
                children.append(try TreeRoot.hash(child))
            }
            self = .branch(children)
        } else if text.hasPrefix("enr:") {
            do throws(NodeRecordError) {
                self = .record(try NodeRecord(text: text))
            } catch {
                throw .record(error)
            }
        } else if text.hasPrefix(TreeLink.scheme) {
            self = .link(try TreeLink(text: text))
        } else {
            throw .unknownEntry(String(text))
        }
    }

    /// The entry's text, as it goes into the TXT record.
    public var text: String {
        switch self {
        case .root(let root): root.text
        case .branch(let children): TreeEntry.branchPrefix + children.joined(separator: ",")
        case .record(let record): record.text
        case .link(let link): link.text
        }
    }

    /// The subdomain label of an entry: base32 (no padding) of the first 16 bytes of
    /// keccak256 of its text.
    public static func label(of text: some StringProtocol) -> String {
        Base32.encode(Keccak256.hash(Array(text.utf8)).bytes.prefix(16))
    }

    /// Whether `text` hashes to `label`: the label, decoded, is a prefix of keccak256(text)
    /// (EIP-1459 labels are 16 bytes; go-ethereum accepts any prefix of 12 bytes or more).
    public static func matches(_ text: some StringProtocol, label: String) -> Bool {
        guard let expected = Base32.decode(label.uppercased()), (12...32).contains(expected.count) else { return false }
        return Keccak256.hash(Array(text.utf8)).bytes.starts(with: expected)
    }
}
