import Foundation
import MailvaultCore
import Testing

/// `mailvault import/export/query/stats/compact`, run as a user would.
@Suite("mailvault store commands")
struct StoreCLITests {
    /// A scratch directory with an envelope stream file of `count` envelopes over 3 topics.
    struct Fixture {
        let root: String
        let envelopes: [Envelope]
        var stream: String { root + "/input.rlp" }
        var store: String { root + "/store" }

        init(count: Int = 250) throws {
            root = NSTemporaryDirectory() + "mailvault-cli-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            envelopes = (0..<count).map { index in
                let data = (0..<(index % 7 == 0 ? 900 : 64)).map { UInt8(truncatingIfNeeded: $0 &* (index + 3) &+ index) }
                return Envelope(expiry: 1_700_000_000 + UInt32(index / 3) + 50, ttl: 50,
                                topic: Topic(0xAA, 0, 0, UInt8(index % 3)), data: data, nonce: UInt64(index))
            }
            try write(envelopes, to: stream)
        }

        func write(_ envelopes: [Envelope], to path: String) throws {
            try Data(envelopes.flatMap { Array($0.encoded) }).write(to: URL(fileURLWithPath: path))
        }

        func remove() {
            try? FileManager.default.removeItem(atPath: root)
        }

        /// The envelopes in the archive's order.
        var sorted: [Envelope] {
            envelopes.sorted { ($0.sentTime, $0.hash) < ($1.sentTime, $1.hash) }
        }
    }

    static func lines(_ output: CLI.Output) throws -> [[String: Any]] {
        try output.stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test("import stores every envelope once; export | import round-trips, raw and zstd")
    func roundTrip() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let imported = try await CLI.run(["import", "--data-dir", fixture.store, fixture.stream])
        #expect(imported.status == 0, "\(imported.stderr)")
        let summary = try CLI.json(imported)
        #expect(summary["read"] as? Int == 250)
        #expect(summary["stored"] as? Int == 250)
        #expect(summary["duplicates"] as? Int == 0)

        let again = try CLI.json(try await CLI.run(["import", "--data-dir", fixture.store, fixture.stream]))
        #expect(again["stored"] as? Int == 0)
        #expect(again["duplicates"] as? Int == 250)

        let exported = fixture.root + "/export.rlp"
        #expect(try await CLI.run(["export", "--data-dir", fixture.store, "-o", exported]).status == 0)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: exported)))
        #expect(bytes == fixture.sorted.flatMap { Array($0.encoded) })

        let compressed = fixture.root + "/export.rlp.zst"
        #expect(try await CLI.run(["export", "--data-dir", fixture.store, "--zstd", "-o", compressed]).status == 0)
        let zstdBytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: compressed)))
        #expect(Array(zstdBytes.prefix(4)) == [0x28, 0xB5, 0x2F, 0xFD])
        let copy = fixture.root + "/copy"
        let reimported = try CLI.json(try await CLI.run(["import", "--data-dir", copy, compressed]))
        #expect(reimported["stored"] as? Int == 250)
        let reexported = fixture.root + "/reexport.rlp"
        #expect(try await CLI.run(["export", "--data-dir", copy, "-o", reexported]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: reexported)) == Data(bytes))

        // Topic and time filters export the matching subset.
        let subset = fixture.root + "/subset.rlp"
        #expect(try await CLI.run(["export", "--data-dir", fixture.store, "--topics", "0xaa000001", "--from", "1700000010",
                             "--to", "1700000040", "-o", subset]).status == 0)
        let want = fixture.sorted.filter { $0.topic == Topic(0xAA, 0, 0, 1) && (1_700_000_010...1_700_000_040).contains($0.sentTime) }
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: subset))) == want.flatMap { Array($0.encoded) })
    }

    @Test("truncated, corrupt and compressed-truncated inputs fail with one line and store nothing")
    func badInput() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        #expect(try await CLI.run(["import", "--data-dir", fixture.store, fixture.stream]).status == 0)
        let full = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixture.stream)))
        // A file of 40 good envelopes followed by a cut one, and one with a corrupt byte.
        let fresh = (0..<40).map { index in
            Envelope(expiry: 1_800_000_050, ttl: 50, topic: Topic(1, 2, 3, 4), data: [UInt8(index)], nonce: UInt64(index))
        }
        let goodPart = fresh.flatMap { Array($0.encoded) }
        var corrupt = goodPart + Array(full.prefix(200))
        corrupt[goodPart.count + 1] = 0x00
        let cases: [(String, [UInt8], String)] = [
            ("truncated.rlp", goodPart + Array(full.prefix(70)), "ends inside the envelope"),
            ("corrupt.rlp", corrupt, "invalid envelope at byte \(goodPart.count)"),
            ("garbage.rlp", goodPart + [0x05], "invalid envelope"),
        ]
        for (name, bytes, message) in cases {
            let path = fixture.root + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let output = try await CLI.run(["import", "--data-dir", fixture.store, path])
            #expect(output.status != 0)
            #expect(output.stderr.hasPrefix("mailvault: "))
            #expect(output.stderr.contains(message), "\(output.stderr)")
            #expect(output.stderr.filter { $0 == "\n" }.count == 1)
        }
        let stats = try CLI.json(try await CLI.run(["stats", "--data-dir", fixture.store]))
        #expect(stats["envelopes"] as? Int == 250)

        // A zstd stream cut short.
        let compressed = fixture.root + "/all.zst"
        #expect(try await CLI.run(["export", "--data-dir", fixture.store, "--zstd", "-o", compressed]).status == 0)
        let zstdBytes = try Data(contentsOf: URL(fileURLWithPath: compressed))
        let cut = fixture.root + "/cut.zst"
        try zstdBytes.prefix(zstdBytes.count - 9).write(to: URL(fileURLWithPath: cut))
        let other = fixture.root + "/other"
        let output = try await CLI.run(["import", "--data-dir", other, cut])
        #expect(output.status != 0)
        #expect(output.stderr.contains("nothing was imported"))
        #expect(!FileManager.default.fileExists(atPath: other + "/data.mdb"))
    }

    @Test("archive checks reject low PoW without failing the import")
    func rejections() async throws {
        let fixture = try Fixture(count: 20)
        defer { fixture.remove() }
        let output = try await CLI.run(["import", "--data-dir", fixture.store, "--min-pow", "1000", fixture.stream])
        #expect(output.status == 0)
        let summary = try CLI.json(output)
        #expect(summary["stored"] as? Int == 0)
        #expect(summary["rejected"] as? Int == 20)
        #expect(summary["rejected.lowPoW"] as? Int == 20)
    }

    @Test("query prints JSON lines and pages with the cursor; bad parameters fail with one line")
    func query() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        #expect(try await CLI.run(["import", "--data-dir", fixture.store, fixture.stream]).status == 0)
        let want = fixture.sorted.filter { $0.topic == Topic(0xAA, 0, 0, 2) }
        var cursor: String?
        var got: [String] = []
        repeat {
            var arguments = ["query", "--data-dir", fixture.store, "--topics", "0xaa000002", "--limit", "30"]
            if let cursor { arguments += ["--cursor", cursor] }
            let output = try await CLI.run(arguments)
            #expect(output.status == 0, "\(output.stderr)")
            let lines = try Self.lines(output)
            got += lines.dropLast().compactMap { $0["hash"] as? String }
            cursor = lines.last?["next"] as? String
        } while cursor != nil && got.count <= want.count
        #expect(got == want.map(\.hash.description))

        let hashes = try Self.lines(try await CLI.run(["query", "--data-dir", fixture.store, "--hashes", "--limit", "5"]))
        #expect(hashes.count == 6)
        #expect(hashes[0]["hash"] as? String == fixture.sorted[0].hash.description)
        #expect(hashes[0]["topic"] as? String == fixture.sorted[0].topic.description)

        let bad: [([String], String)] = [
            (["--cursor", "0x0102"], "a cursor is 36 bytes"),
            (["--from", "10", "--to", "9"], "from (10) is after to (9)"),
            (["--limit", "1001"], "limit must be between 1 and 1000"),
            (["--bloom", "0x00ff"], "a bloom filter is 64 bytes"),
            (["--topics", (0...1000).map { String(format: "0x%08x", $0) }.joined(separator: ",")], "at most 1000 topics"),
        ]
        for (arguments, message) in bad {
            let output = try await CLI.run(["query", "--data-dir", fixture.store] + arguments)
            #expect(output.status != 0)
            #expect(output.stderr.contains(message), "\(output.stderr)")
            #expect(output.stdout.isEmpty)
        }
    }

    @Test("stats reports counts and sizes; compact shrinks the file and keeps every envelope")
    func statsAndCompact() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        #expect(try await CLI.run(["import", "--data-dir", fixture.store, fixture.stream]).status == 0)
        let stats = try CLI.json(try await CLI.run(["stats", "--data-dir", fixture.store]))
        #expect(stats["envelopes"] as? Int == 250)
        #expect(stats["topics"] as? Int == 3)
        #expect(stats["schemaVersion"] as? Int == 10)
        #expect(stats["rawBytes"] as? Int == fixture.envelopes.reduce(0) { $0 + $1.encoded.count })
        #expect(stats["oldestSent"] as? Int == Int(fixture.sorted.first!.sentTime))
        #expect(stats["newestSent"] as? Int == Int(fixture.sorted.last!.sentTime))
        #expect((stats["compressionRatio"] as? Double ?? 0) > 1)

        let copy = fixture.root + "/compacted"
        let copied = try await CLI.run(["compact", "--data-dir", fixture.store, "-o", copy])
        #expect(copied.status == 0, "\(copied.stderr)")
        let compacted = try await CLI.run(["compact", "--data-dir", fixture.store])
        #expect(compacted.status == 0, "\(compacted.stderr)")
        let sizes = try CLI.json(compacted)
        #expect((sizes["after"] as? Int ?? .max) <= (sizes["before"] as? Int ?? 0))
        for directory in [fixture.store, copy] {
            let after = try CLI.json(try await CLI.run(["stats", "--data-dir", directory]))
            #expect(after["envelopes"] as? Int == 250)
            let exported = fixture.root + "/after.rlp"
            #expect(try await CLI.run(["export", "--data-dir", directory, "-o", exported]).status == 0)
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: exported))) == fixture.sorted.flatMap { Array($0.encoded) })
        }
    }
}
