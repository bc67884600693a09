import MailvaultAccountability
import MailvaultCore
import MailvaultTestSupport
@testable import MailvaultDiscovery
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The resolver against a real NSD on a loopback port, serving zones this test generates.
@Suite(.serialized) struct TreeResolverTests {
    static func provider(_ index: Int, sequence: UInt64 = 1) throws -> (key: ProviderKey, record: NodeRecord) {
        let key = ProviderKey.generate()
        let record = try NodeRecord(sequence: sequence, pairs: [ProviderEndpoints(urls: ["https://p\(index).example.org"]).pair], key: key)
        return (key, record)
    }

    static func zone(_ tree: DirectoryTree, _ domain: String, replacing: [String: String] = [:]) throws -> (domain: String, text: String) {
        var text = try tree.zoneFile(domain: domain)
        for (old, new) in replacing { text = text.replacingOccurrences(of: old, with: new) }
        return (domain, text)
    }

    static func link(_ key: ProviderKey, _ domain: String) throws -> TreeLink {
        try TreeLink(publicKey: key.verifyingKey, domain: domain)
    }

    static func resolver(_ server: NSDServer, limits: TreeResolver.Limits = TreeResolver.Limits()) throws -> TreeResolver {
        TreeResolver(client: try DNSClient(server: "127.0.0.1:\(server.port)", timeout: .seconds(2), attempts: 2), limits: limits)
    }

    @Test func discoversExactlyTheTreesProvidersAndRefusesEveryHostileTree() async throws {
        let curator = ProviderKey.generate()
        let linkedCurator = ProviderKey.generate()
        let providers = try (0..<5).map { try Self.provider($0) }
        let many = try (0..<30).map { try Self.provider(100 + $0) }

        // A tree of three providers linking to a second tree (its own key) of two more.
        let linked = DirectoryTree(records: providers[3...].map(\.record), links: [], sequence: 2, signer: linkedCurator)
        let good = DirectoryTree(records: providers[..<3].map(\.record),
                                 links: [try Self.link(linkedCurator, "linked.mailvault.test")], sequence: 7, signer: curator)
        // A record whose signature was altered, in a tree the curator signed anyway.
        var broken = providers[0].record.encoded
        broken[10] ^= 0x01
        let tampered = DirectoryTree(recordTexts: ["enr:" + Base64URL.encode(broken), providers[1].record.text], linkTexts: [],
                                     sequence: 1, signer: curator)
        // A root signed by another key than the URL's.
        let wrong = DirectoryTree(records: providers[..<2].map(\.record), links: [], sequence: 1, signer: linkedCurator)
        // A leaf replaced at its label by another valid record.
        let mismatch = DirectoryTree(records: providers[..<2].map(\.record), links: [], sequence: 1, signer: curator)
        // Two trees linking to each other.
        let loopA = DirectoryTree(records: [providers[0].record], links: [try Self.link(linkedCurator, "loopb.mailvault.test")],
                                  sequence: 1, signer: curator)
        let loopB = DirectoryTree(records: [providers[1].record], links: [try Self.link(curator, "loopa.mailvault.test")],
                                  sequence: 1, signer: linkedCurator)
        // A link where records belong.
        let mixed = DirectoryTree(recordTexts: [providers[0].record.text, try Self.link(linkedCurator, "x.mailvault.test").text],
                                  linkTexts: [], sequence: 1, signer: curator)
        let big = DirectoryTree(records: many.map(\.record), links: [], sequence: 1, signer: curator)
        var bigZone = try Self.zone(big, "big.mailvault.test")
        // A TXT record too long for a 1232-byte UDP answer: the client must retry over TCP.
        let long = String(repeating: "x", count: 3000)
        bigZone.text += "long 60 IN TXT " + DirectoryTree.quoted(long) + "\n"

        let server = try NSDServer(zones: [
            try Self.zone(good, "good.mailvault.test"),
            try Self.zone(linked, "linked.mailvault.test"),
            try Self.zone(tampered, "tampered.mailvault.test"),
            try Self.zone(wrong, "wrong.mailvault.test"),
            try Self.zone(mismatch, "mismatch.mailvault.test",
                          replacing: ["\"\(providers[0].record.text)\"": "\"\(providers[2].record.text)\""]),
            try Self.zone(mixed, "mixed.mailvault.test"),
            // A leaf's name holds another kind of TXT record (as a zone also holding SPF would).
            try Self.zone(mismatch, "missing.mailvault.test",
                          replacing: ["\"\(providers[0].record.text)\"": "\"v=spf1 -all\""]),
            // No root at all.
            ("noroot.mailvault.test", "$ORIGIN noroot.mailvault.test.\n@ 60 IN SOA ns1 hostmaster 1 3600 600 86400 60\n"
                + "@ 60 IN NS ns1\n@ 60 IN TXT \"v=spf1 -all\"\n"),
            try Self.zone(loopA, "loopa.mailvault.test"),
            try Self.zone(loopB, "loopb.mailvault.test"),
            bigZone,
        ])
        defer { server.stop() }

        let resolver = try Self.resolver(server)
        let url = try Self.link(curator, "good.mailvault.test").text
        let resolution = try await resolver.resolve(url)
        #expect(Set(resolution.records.map(\.record)) == Set(providers.map(\.record)))
        #expect(resolution.records.count == 5)
        #expect(resolution.trees == [try Self.link(curator, "good.mailvault.test"): 7,
                                     try Self.link(linkedCurator, "linked.mailvault.test"): 2])
        for found in resolution.records {
            let index = try #require(providers.firstIndex { $0.record == found.record })
            #expect(found.address == providers[index].key.address)
            #expect(found.tree.domain == (index < 3 ? "good.mailvault.test" : "linked.mailvault.test"))
            #expect(try found.endpoints()?.urls == ["https://p\(index).example.org"])
        }

        func refusal(_ url: String, limits: TreeResolver.Limits = TreeResolver.Limits()) async throws -> DiscoveryError? {
            let resolver = try Self.resolver(server, limits: limits)
            do throws(DiscoveryError) {
                _ = try await resolver.resolve(url)
                return nil
            } catch {
                return error
            }
        }
        let tamperedError = try await refusal(try Self.link(curator, "tampered.mailvault.test").text)
        guard case .invalidEntry(_, .record(.badSignature)) = tamperedError else {
            Issue.record("tampered record: \(String(describing: tamperedError))")
            return
        }
        #expect(try await refusal(try Self.link(curator, "wrong.mailvault.test").text) == .wrongRootSignature(domain: "wrong.mailvault.test"))
        let label = TreeEntry.label(of: providers[0].record.text)
        #expect(try await refusal(try Self.link(curator, "mismatch.mailvault.test").text) == .hashMismatch("\(label).mismatch.mailvault.test"))
        let loopError = try await refusal(try Self.link(curator, "loopa.mailvault.test").text)
        guard case .linkLoop(let chain) = loopError else {
            Issue.record("link loop: \(String(describing: loopError))")
            return
        }
        #expect(chain.map { $0.split(separator: "@").last.map(String.init) } == ["loopa.mailvault.test", "loopb.mailvault.test", "loopa.mailvault.test"])
        #expect(try await refusal(try Self.link(curator, "missing.mailvault.test").text) == .missingEntry("\(label).missing.mailvault.test"))
        #expect(try await refusal(try Self.link(curator, "noroot.mailvault.test").text) == .missingRoot("noroot.mailvault.test"))
        let mixedError = try await refusal(try Self.link(curator, "mixed.mailvault.test").text)
        guard case .unexpectedEntry(_, "a link in the record subtree") = mixedError else {
            Issue.record("link among records: \(String(describing: mixedError))")
            return
        }
        let invalid = try await refusal("enrtree://nokey@good.mailvault.test")
        guard case .invalidURL = invalid else {
            Issue.record("invalid URL: \(String(describing: invalid))")
            return
        }
        var limits = TreeResolver.Limits()
        limits.maximumEntries = 20
        #expect(try await refusal(try Self.link(curator, "big.mailvault.test").text, limits: limits) == .tooManyEntries(limit: 20))
        limits = TreeResolver.Limits()
        limits.maximumBytes = 4000
        #expect(try await refusal(try Self.link(curator, "big.mailvault.test").text, limits: limits) == .tooManyBytes(limit: 4000))
        limits = TreeResolver.Limits()
        limits.maximumBranchDepth = 1
        #expect(try await refusal(try Self.link(curator, "big.mailvault.test").text, limits: limits) == .tooDeep(limit: 1))
        limits = TreeResolver.Limits()
        limits.maximumTrees = 1
        #expect(try await refusal(url, limits: limits) == .tooManyTrees(limit: 1))
        limits = TreeResolver.Limits()
        limits.maximumEntryBytes = 100
        #expect(try await refusal(url, limits: limits) == .entryTooLarge(name: "good.mailvault.test", size: good.root.text.utf8.count))
        // Within the default bounds the same tree resolves: 30 records through two branch levels.
        #expect(try await Self.resolver(server).resolve(try Self.link(curator, "big.mailvault.test")).records.count == 30)
        #expect(try await refusal(try Self.link(curator, "absent.mailvault.test").text)
                == .dns(name: "absent.mailvault.test", .serverFailure(name: "absent.mailvault.test", rcode: 5)))
        #expect(try await refusal(try Self.link(curator, "nothing.good.mailvault.test").text)
                == .dns(name: "nothing.good.mailvault.test", .nameNotFound("nothing.good.mailvault.test")))

        // Truncated over UDP, complete over TCP.
        let client = try DNSClient(server: "127.0.0.1:\(server.port)")
        #expect(try await client.txt("long.big.mailvault.test") == [long])
    }

    @Test func refusesATreeRolledBackToAnOlderSequence() async throws {
        let curator = ProviderKey.generate()
        let provider = try Self.provider(0)
        let url = try Self.link(curator, "seq.mailvault.test")
        let newer = DirectoryTree(records: [provider.record], links: [], sequence: 9, signer: curator)
        let older = DirectoryTree(records: [provider.record], links: [], sequence: 8, signer: curator)
        var server = try NSDServer(zones: [try Self.zone(newer, "seq.mailvault.test")])
        let resolver = TreeResolver(client: try DNSClient(server: "127.0.0.1:\(server.port)", timeout: .seconds(2)))
        #expect(try await resolver.resolve(url).trees[url] == 9)
        server.stop()
        server = try NSDServer(zones: [try Self.zone(older, "seq.mailvault.test")])
        defer { server.stop() }
        let client = try DNSClient(server: "127.0.0.1:\(server.port)", timeout: .seconds(2))
        // A resolver that remembers 9 refuses 8; one without that memory accepts it.
        let remembering = TreeResolver(client: client, knownSequences: await resolver.knownSequences)
        await #expect(throws: DiscoveryError.sequenceRolledBack(domain: "seq.mailvault.test", known: 9, found: 8)) {
            try await remembering.resolve(url)
        }
        #expect(try await TreeResolver(client: client).resolve(url).trees[url] == 8)
    }

    /// A server that never answers (a bound UDP socket nobody reads): every attempt times out,
    /// and the lookup gives up after `attempts` x `timeout`.
    @Test func timesOutOnASilentServer() async throws {
        let silent = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(silent) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(silent, $0, length) == 0 && getsockname(silent, $0, &length) == 0 }
        }
        try #require(bound)
        let client = try DNSClient(server: "127.0.0.1:\(UInt16(bigEndian: address.sin_port))", timeout: .milliseconds(200), attempts: 2)
        let start = ContinuousClock.now
        await #expect(throws: DNSError.timeout(name: "x.mailvault.test")) { try await client.txt("x.mailvault.test") }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(400) && elapsed < .seconds(2))
    }

    @Test func refusesBadServers() {
        for server in ["", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000", "[::1", "[::1]x"] {
            #expect(throws: DNSError.invalidServer(server), "\(server)") { try DNSClient(server: server) }
        }
        #expect(throws: DNSError.noSystemServer) { try DNSClient.system(path: "/nonexistent/resolv.conf") }
    }
}
