import MailvaultAPI
import MailvaultCore

/// One signature for many documents: the documents' digests are the leaves of a Merkle tree,
/// the provider signs its root, and each document carries the path from its digest to the root.
///
/// A server answering thousands of pages a second signs each batch of receipts once instead of
/// once per page; a verifier folds a document's path (one keccak per level) before recovering
/// the signer, so each receipt stays checkable on its own.
///
/// The tree: leaves in order; each level pairs neighbours, `node = keccak256(0x01 ++ left ++
/// right)`, and a last node without a neighbour moves up unchanged. The `0x01` prefix keeps an
/// inner node apart from a document digest, whose preimage starts with `mailvault/v1/`.
public enum SignatureBatch {
    /// One level of a path: the sibling's hash and on which side of the running hash it lies.
    public struct Step: Sendable, Equatable {
        public enum Side: String, Sendable {
            case left
            case right
        }

        public let side: Side
        public let hash: Hash256

        public init(side: Side, hash: Hash256) {
            self.side = side
            self.hash = hash
        }
    }

    /// The inner node over two children.
    public static func node(_ left: Hash256, _ right: Hash256) -> Hash256 {
        var words = (UInt8(1), left.w0.bigEndian, left.w1.bigEndian, left.w2.bigEndian, left.w3.bigEndian,
                     right.w0.bigEndian, right.w1.bigEndian, right.w2.bigEndian, right.w3.bigEndian)
        return withUnsafeBytes(of: &words) { raw in
            // The tuple pads the prefix byte to 8: hash it, then the 64 bytes from offset 8.
            var hasher = Keccak256()
            hasher.update(UnsafeRawBufferPointer(rebasing: raw[0..<1]))
            hasher.update(UnsafeRawBufferPointer(rebasing: raw[8..<72]))
            return hasher.finalize()
        }
    }

    /// The root a path leads to from `leaf` (the leaf itself for an empty path).
    public static func root(of leaf: Hash256, path: [Step]) -> Hash256 {
        var running = leaf
        for step in path {
            running = step.side == .left ? node(step.hash, running) : node(running, step.hash)
        }
        return running
    }

    /// The root over `leaves` (at least one) and each leaf's path to it.
    public static func tree(_ leaves: [Hash256]) -> (root: Hash256, paths: [[Step]]) {
        precondition(!leaves.isEmpty, "a batch holds at least one document")
        var paths = [[Step]](repeating: [], count: leaves.count)
        // Which leaves lie under each node of the current level.
        var level = leaves
        var spans = leaves.indices.map { $0..<($0 + 1) }
        while level.count > 1 {
            var next: [Hash256] = []
            var nextSpans: [Range<Int>] = []
            next.reserveCapacity((level.count + 1) / 2)
            for pair in stride(from: 0, to: level.count, by: 2) {
                guard pair + 1 < level.count else {
                    next.append(level[pair])
                    nextSpans.append(spans[pair])
                    continue
                }
                for leaf in spans[pair] { paths[leaf].append(Step(side: .right, hash: level[pair + 1])) }
                for leaf in spans[pair + 1] { paths[leaf].append(Step(side: .left, hash: level[pair])) }
                next.append(node(level[pair], level[pair + 1]))
                nextSpans.append(spans[pair].lowerBound..<spans[pair + 1].upperBound)
            }
            level = next
            spans = nextSpans
        }
        return (level[0], paths)
    }

    /// Signs `digests` (at least one) with one signature: each document's path and the
    /// signature over the root. A single digest is signed directly, with an empty path.
    public static func sign(_ digests: [Hash256], key: ProviderKey) -> (signature: RecoverableSignature, paths: [[Step]]) {
        let (root, paths) = tree(digests)
        return (key.sign(digest: root), paths)
    }

    /// The path of a signed document's wire form, each step's hash checked.
    static func path(_ steps: [SignedDocumentBody.Step]) throws(AccountabilityError) -> [Step] {
        var path: [Step] = []
        for step in steps {
            guard let side = Step.Side(rawValue: step.side), let bytes = try? Hex.decode(step.hash),
                  let hash = Hash256(bytes: bytes) else {
                throw .malformedDocument("a path step is {\"left\":\"0x…\"} or {\"right\":\"0x…\"} with a 32-byte hash")
            }
            path.append(Step(side: side, hash: hash))
        }
        return path
    }
}
