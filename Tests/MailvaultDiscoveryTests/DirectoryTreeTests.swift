import MailvaultAccountability
import MailvaultCore
@testable import MailvaultDiscovery
import Testing

@Suite struct DirectoryTreeTests {
    /// Trees the Python script built from eth-enr's records with go-ethereum's layout and signed
    /// with eth-keys: the same entries, the same labels, the same signed root, byte for byte.
    @Test(arguments: DiscoveryVectors.shared.trees)
    func agreesWithTheIndependentBuilder(_ vector: DiscoveryVectors.Tree) throws {
        let vectors = DiscoveryVectors.shared
        let records = try vectors.treeRecords.filter { record in vector.entries.values.contains(record.text) }
            .map { try NodeRecord(text: $0.text) }
        let links = try vector.links.map { try TreeLink(text: $0) }
        let curator = try ProviderKey(secret: hex(vector.curatorSecret))
        let tree = DirectoryTree(records: records.reversed(), links: links, sequence: vector.seq, signer: curator)
        #expect(tree.root.text == vector.root)
        #expect(tree.entries == vector.entries)
        #expect(Base32.encode(curator.compressedPublicKey) == vector.curatorKey)
        #expect(try TreeRoot(text: vector.root).isSigned(by: curator.verifyingKey))
    }

    @Test func branchesHoldAtMostThirteenChildrenAndFitADNSString() throws {
        let tree = DiscoveryVectors.shared.trees[0]
        for text in tree.entries.values {
            if case .branch(let children) = try TreeEntry(text: text) {
                #expect(children.count <= DirectoryTree.maximumChildren)
                #expect(text.utf8.count <= 370)
            }
        }
    }

    /// Every hash the root and the branches name is an entry of the tree, and every entry is
    /// reachable: nothing missing, nothing extra.
    @Test func everyNamedEntryIsInTheTree() throws {
        let key = ProviderKey.generate()
        for count in [0, 1, 13, 14, 169, 170] {
            let records = try (0..<count).map { _ in try NodeRecord(sequence: 1, pairs: [], key: ProviderKey.generate()) }
            let tree = DirectoryTree(records: records, links: [], sequence: 1, signer: key)
            var reached: Set<String> = []
            var pending = [tree.root.recordRoot, tree.root.linkRoot]
            while let label = pending.popLast() {
                let text = try #require(tree.entries[label], "\(count) records: \(label) is named but missing")
                reached.insert(label)
                if case .branch(let children) = try TreeEntry(text: text) { pending += children }
            }
            #expect(reached == Set(tree.entries.keys), "\(count) records")
            #expect(tree.entries.values.filter { $0.hasPrefix("enr:") }.count == count)
        }
    }

    @Test func zoneFileSplitsLongTextsAndHoldsEveryEntry() throws {
        let key = ProviderKey.generate()
        let record = try NodeRecord(sequence: 3, pairs: [ProviderEndpoints(urls: [
            "https://a-rather-long-provider-name.example.org/mailvault/v1/base", "https://b.example.org",
        ]).pair], key: key)
        let tree = DirectoryTree(records: [record], links: [], sequence: 5, signer: key)
        let zone = try tree.zoneFile(domain: "Nodes.Example.org")
        #expect(zone.contains("$ORIGIN nodes.example.org.\n"))
        #expect(zone.contains("@ IN SOA ns1.nodes.example.org. hostmaster.nodes.example.org. 5 "))
        #expect(zone.contains("@ 60 IN TXT \"\(tree.root.text)\"\n"))
        let label = TreeEntry.label(of: record.text)
        let line = try #require(zone.split(separator: "\n").first { $0.hasPrefix(label) })
        let bytes = Array(record.text.utf8)
        #expect(bytes.count > 255)
        let expected = "\"" + String(decoding: bytes[0..<255], as: UTF8.self) + "\" \"" + String(decoding: bytes[255...], as: UTF8.self) + "\""
        #expect(line == "\(label) 86900 IN TXT \(expected)")
        #expect(throws: TreeEntryError.invalidDomain("bad domain")) { try tree.zoneFile(domain: "bad domain") }
    }

    @Test func keepsTheNewestRecordOfANode() throws {
        let key = ProviderKey.generate()
        let old = try NodeRecord(sequence: 1, pairs: [], key: key)
        let new = try NodeRecord(sequence: 2, pairs: [], key: key)
        let tree = DirectoryTree(records: [new, old], links: [], sequence: 1, signer: key)
        #expect(tree.root.recordRoot == TreeEntry.label(of: new.text))
        #expect(Set(tree.entries.values) == [new.text, TreeEntry.branchPrefix])
    }
}
