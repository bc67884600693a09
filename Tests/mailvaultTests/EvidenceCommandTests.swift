import Foundation
import MailvaultAccountability
import MailvaultCore
import MailvaultStore
import Testing

@Suite("mailvault evidence check")
struct EvidenceCommandTests {
    static let key = try! ProviderKey(secret: Array(repeating: 0x42, count: 32))
    static let now: UInt32 = 1_700_000_000

    /// Evidence over a page of five envelopes of which `missing` is left out.
    static func evidence(minimumPoW: Double = 0, omitting: Bool = true) -> OmissionEvidence {
        let topic = Topic(0xde, 0xad, 0xbe, 0xef)
        let envelopes = (0..<5).map { index -> Envelope in
            let sent = now - 50 + UInt32(index) * 10
            return Envelope(expiry: sent + 100, ttl: 100, topic: topic, data: [UInt8(index)], nonce: UInt64(index))
        }
        let missing = envelopes[2]
        let keys = envelopes.filter { !omitting || $0 != missing }.map { EnvelopeKey(sent: $0.sentTime, hash: $0.hash) }.sorted()
        let coverage = Coverage(from: 0, maximumAge: 86_400, minimumPoW: minimumPoW, newestIngest: now, gaps: [])
        let receipt = QueryReceipt(endpoint: "hashes", provider: key.address, descriptor: .zero, serverTime: now,
                                   query: HistoryQuery(from: now - 60, to: now, topics: [topic]), keys: keys, next: nil,
                                   coverage: coverage)
        let signed = SignedDocument(kind: "receipt", document: SignedDocument.encode(receipt), key: key)
        return OmissionEvidence(receipt: signed, keys: keys, envelope: missing)
    }

    func write(_ bytes: [UInt8], _ name: String, in directory: String) throws -> String {
        let path = directory + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func temporaryDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "mailvault-evidence-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func oneFileProvenExitsZeroWithTheVerdict() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let evidence = EvidenceCommandTests.evidence()
        let path = try write(evidence.json, "evidence.json", in: directory)
        let output = try await CLI.run(["evidence", "check", path])
        #expect(output.status == 0, "\(output.stderr)")
        let verdict = try JSONDecoder().decode(EvidenceVerdict.self, from: Data(output.stdout.utf8))
        #expect(verdict == evidence.check() && verdict.proven)
        #expect(verdict.provider == EvidenceCommandTests.key.address.description)
    }

    @Test func threeFilesAreTheSameEvidence() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let evidence = EvidenceCommandTests.evidence()
        let receipt = try write(evidence.receipt.json, "receipt.json", in: directory)
        let keys = try write(Array(evidence.keys.map(\.description).joined(separator: "\n").utf8) + [10], "keys.txt", in: directory)
        let envelope = try write(Array(Hex.encode(evidence.envelope.encoded).utf8) + [10], "envelope.hex", in: directory)
        let output = try await CLI.run(["evidence", "check", receipt, keys, envelope])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(try CLI.json(output)["proven"] as? Bool == true)
        // Dropping a key breaks the commitment: a verdict, exit 1.
        let shorter = try write(Array(evidence.keys.dropFirst().map(\.description).joined(separator: "\n").utf8),
                                "short.txt", in: directory)
        let refused = try await CLI.run(["evidence", "check", receipt, shorter, envelope])
        #expect(refused.status == 1)
        #expect((try CLI.json(refused)["reason"] as? String)?.contains("commitment") == true)
    }

    @Test func unprovenEvidenceExitsOne() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for evidence in [EvidenceCommandTests.evidence(minimumPoW: 1e9), EvidenceCommandTests.evidence(omitting: false)] {
            let path = try write(evidence.json, "evidence.json", in: directory)
            let output = try await CLI.run(["evidence", "check", path])
            #expect(output.status == 1)
            #expect(try CLI.json(output)["proven"] as? Bool == false)
        }
    }

    @Test func unreadableInputExitsTwoWithOneLine() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let garbage = try write(Array("not json".utf8), "garbage.json", in: directory)
        let evidence = EvidenceCommandTests.evidence()
        let receipt = try write(evidence.receipt.json, "receipt.json", in: directory)
        let badKeys = try write(Array("0x1234\n".utf8), "keys.txt", in: directory)
        let envelope = try write(Array(Hex.encode(evidence.envelope.encoded).utf8), "envelope.hex", in: directory)
        let cases: [[String]] = [
            [directory + "/absent.json"], [garbage], [receipt, badKeys, envelope], [receipt, receipt, envelope],
            [garbage, badKeys, envelope], [receipt, badKeys, garbage],
        ]
        for files in cases {
            let output = try await CLI.run(["evidence", "check"] + files)
            #expect(output.status == 2, "\(files)")
            #expect(output.stdout.isEmpty)
            #expect(output.stderr.hasPrefix("mailvault: ") && output.stderr.filter { $0 == "\n" }.count == 1, "\(output.stderr)")
        }
        let usage = try await CLI.run(["evidence", "check", receipt, badKeys])
        #expect(usage.status != 0 && usage.status != 1 && usage.status != 2)
    }

    @Test(arguments: [["evidence", "check"], ["audit"], ["providers", "rank"]])
    func helpShowsAnExample(command: [String]) async throws {
        let output = try await CLI.run(command + ["--help"])
        #expect(output.status == 0)
        #expect(output.stdout.contains("Example"))
        #expect(output.stdout.contains("mailvault " + command.joined(separator: " ")))
    }

    @Test func auditAndRankRefuseBadOptionsInOneLine() async throws {
        let cases: [[String]] = [
            ["audit", "--from", "1", "--to", "2"],
            ["audit", "--provider", "ftp://x", "--from", "1", "--to", "2"],
            ["audit", "--provider", "http://127.0.0.1:1", "--from", "5", "--to", "2"],
            ["audit", "--provider", "http://127.0.0.1:1", "--page-limit", "0"],
            ["audit", "--provider", "http://127.0.0.1:1", "--timeout", "0"],
            ["audit", "--provider", "http://127.0.0.1:1", "--from", "1", "--to", "2", "--topics", "0x12"],
            ["providers", "rank"],
        ]
        for arguments in cases {
            let output = try await CLI.run(arguments)
            #expect(output.status != 0, "\(arguments)")
            #expect(output.stderr.hasPrefix("mailvault: ") && output.stderr.filter { $0 == "\n" }.count == 1,
                    "\(arguments): \(output.stderr)")
        }
    }
}
