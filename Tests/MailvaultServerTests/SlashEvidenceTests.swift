import Foundation
import MailvaultAccountability
import MailvaultCore
import MailvaultTestSupport
import Synchronization
import Testing

/// The on-chain half of accountability, end to end: real servers on loopback (one withholding a
/// topic), the real `mailvault audit` writing evidence, `mailvault evidence calldata` encoding
/// it, and the contracts on py-evm (titanoboa) slashing with that calldata and paying the
/// reporter. Also runs the contract tests (Contracts/tests) under pytest.
@Suite("On-chain slashing", .serialized)
struct SlashEvidenceTests {
    static let withheld = Topic(1, 2, 3, 4)
    /// The withholding provider's key, known here so the Python side can register it.
    static let secret = [UInt8](repeating: 0x2a, count: 32)

    /// A clock the servers share, moved forward by the test.
    final class Clock: Sendable {
        let seconds = Atomic<UInt32>(TestServer.now)
        var now: UInt32 { seconds.load(ordering: .relaxed) }
    }

    @Test(.timeLimit(.minutes(15)))
    func theContractTestsPass() async throws {
        let run = try await ContractTools.python(["-m", "pytest", "Contracts/tests", "-q", "-p", "no:cacheprovider"],
                                                 timeout: .seconds(840))
        #expect(!run.timedOut, "pytest ran out of time")
        #expect(run.status == 0, "\(run.stdout.suffix(4000))\n\(run.stderr.suffix(2000))")
        #expect(run.stdout.contains(" passed"), "\(run.stdout.suffix(2000))")
    }

    @Test(.timeLimit(.minutes(10)))
    func evidenceFromTheAuditSlashesOnTheEVMAndPaysTheReporter() async throws {
        let clock = Clock()
        let key = try ProviderKey(secret: SlashEvidenceTests.secret)
        // A minimum PoW above 0 (written 2e-07 in the receipts), so the contract's integer
        // comparison has something to compare.
        let honest = try await TestServer.start({ $0.minimumPoW = 0.0000002 }, clock: { clock.now })
        let faulty = try await TestServer.start({ $0.providerKey = key; $0.minimumPoW = 0.0000002 },
                                                archive: { WithholdingArchive(store: $0, withheld: SlashEvidenceTests.withheld) },
                                                clock: { clock.now })
        // Sent at the servers' start (the start of their coverage); the audit runs 90 s later, so
        // every envelope was sent more than the registry's 60 s grace before the answers.
        let envelopes = (0..<6).map { index in
            Envelope(expiry: TestServer.now + 3600, ttl: 3600, topic: index % 2 == 0 ? SlashEvidenceTests.withheld : Fixtures.topic,
                     data: [UInt8](repeating: UInt8(index), count: 1024), nonce: UInt64(index))
        }
        for server in [honest, faulty] {
            let reply = try await server.client.post("/v1/envelopes", body: Envelope.encodePacket(envelopes),
                                                     contentType: "application/x-rlp")
            #expect(reply.status == 200, "\(reply.text)")
        }
        clock.seconds.store(TestServer.now + 90, ordering: .relaxed)

        let directory = NSTemporaryDirectory() + "mailvault-slash-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let audit = try await MailvaultExecutable.run([
            "audit", "--provider", "http://127.0.0.1:\(honest.port)", "--provider", "http://127.0.0.1:\(faulty.port)",
            "--from", "\(TestServer.now - 60)", "--to", "\(TestServer.now + 90)", "--out", directory,
        ])
        try await honest.stop()
        try await faulty.stop()
        #expect(audit.status == 0, "\(audit.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        #expect(files.count == 3, "\(files)")
        let file = try #require(files.first.map { directory + "/" + $0 })

        let check = try await MailvaultExecutable.run(["evidence", "check", "--contract", file])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
        let reporter = "0x" + String(repeating: "5b", count: 20)
        let salt = "0x" + String(repeating: "7f", count: 32)
        let stdout = try await SlashEvidenceTests.slashOnChain(file, reporter: reporter, salt: salt)
        #expect(stdout.contains("slashed: the reporter was paid 500000000000000000000"), "\(stdout)")
        #expect(stdout.contains("the same evidence again reverts"), "\(stdout)")
    }

    /// A receipt signed as the third of five in a batch (with a path), a cursor, a next cursor, a
    /// bloom, gaps and an envelope size limit: every optional part of the document and the
    /// path's sides go through `evidence calldata` to the contract and eth-abi.
    @Test(.timeLimit(.minutes(10)))
    func aBatchSignedReceiptWithEveryOptionalFieldSlashesToo() async throws {
        let key = try ProviderKey(secret: SlashEvidenceTests.secret)
        let sent = TestServer.now
        let envelope = Envelope(expiry: sent + 600, ttl: 600, topic: SlashEvidenceTests.withheld, data: [7, 7, 7], nonce: 9)
        let keys = (0..<40).map { EnvelopeKey(sent: sent - 20 + UInt32($0), hash: Keccak256.hash([UInt8($0)])) }.sorted()
        let query = HistoryQuery(from: sent - 100, to: sent + 100, bloom: SlashEvidenceTests.withheld.bloom, limit: 40,
                                 cursor: EnvelopeKey(sent: sent - 50, hash: Keccak256.hash([1])))
        let coverage = Coverage(from: sent - 1000, maximumAge: 86400, minimumPoW: 0.00002, newestIngest: sent + 100,
                                gaps: [[sent - 900, sent - 800], [sent + 5, sent + 6]], maximumEnvelopeSize: 4096)
        let document = QueryReceipt.document(endpoint: "envelopes", provider: key.address, descriptor: Keccak256.hash([42]),
                                             serverTime: sent + 120, query: query, keys: keys,
                                             next: EnvelopeKey(sent: sent + 30, hash: Keccak256.hash([2])), coverage: coverage)
        let digests = (0..<5).map { $0 == 2 ? SignedDocument.digest(kind: "receipt", document: document) : Keccak256.hash([UInt8($0), 9]) }
        let (signature, paths) = SignatureBatch.sign(digests, key: key)
        let receipt = SignedDocument(kind: "receipt", document: document, signature: signature, signer: key.address, path: paths[2])
        let evidence = OmissionEvidence(receipt: receipt, keys: keys, envelope: envelope)
        #expect(evidence.check().proven, "\(evidence.check().reason)")
        #expect(paths[2].contains { $0.side == .left } && paths[2].contains { $0.side == .right })

        let directory = NSTemporaryDirectory() + "mailvault-slash-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/evidence.json"
        FileManager.default.createFile(atPath: file, contents: Data(evidence.json))
        let reporter = "0x" + String(repeating: "c3", count: 20)
        let salt = "0x" + String(repeating: "01", count: 32)
        let stdout = try await SlashEvidenceTests.slashOnChain(file, reporter: reporter, salt: salt)
        #expect(stdout.contains("slashed: the reporter was paid"), "\(stdout)")
    }

    @Test func theContractRefusesWhatTheGraceExcludesAndTheCLIRefusesBadInput() async throws {
        let clock = Clock()
        let faulty = try await TestServer.start(archive: { WithholdingArchive(store: $0, withheld: SlashEvidenceTests.withheld) },
                                                clock: { clock.now })
        let honest = try await TestServer.start(clock: { clock.now })
        let envelope = Envelope(expiry: TestServer.now + 3600, ttl: 3600, topic: SlashEvidenceTests.withheld, data: [1, 2, 3], nonce: 1)
        for server in [honest, faulty] {
            _ = try await server.client.post("/v1/envelopes", body: Envelope.encodePacket([envelope]), contentType: "application/x-rlp")
        }
        // Answered 10 s after the envelope was sent: proven by the Swift rules, not by the contract's grace.
        clock.seconds.store(TestServer.now + 10, ordering: .relaxed)
        let directory = NSTemporaryDirectory() + "mailvault-slash-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let audit = try await MailvaultExecutable.run([
            "audit", "--provider", "http://127.0.0.1:\(honest.port)", "--provider", "http://127.0.0.1:\(faulty.port)",
            "--from", "\(TestServer.now - 60)", "--to", "\(TestServer.now + 10)", "--out", directory,
        ])
        try await honest.stop()
        try await faulty.stop()
        #expect(audit.status == 0, "\(audit.stderr)")
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: directory).first.map { directory + "/" + $0 })
        #expect(try await MailvaultExecutable.run(["evidence", "check", file]).status == 0)
        let contract = try await MailvaultExecutable.run(["evidence", "check", "--contract", file])
        #expect(contract.status == 1 && contract.stdout.contains("grace"), "\(contract.stdout)")
        #expect(try await MailvaultExecutable.run(["evidence", "check", "--contract", "--grace", "5", file]).status == 0)

        for arguments in [["--reporter", "0x12", "--salt", "0x" + String(repeating: "00", count: 32)],
                          ["--reporter", "0x" + String(repeating: "11", count: 20), "--salt", "0xzz"]] {
            let bad = try await MailvaultExecutable.run(["evidence", "calldata", file] + arguments)
            #expect(bad.status != 0 && bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
        }
        let missing = try await MailvaultExecutable.run(["evidence", "calldata", directory + "/none.json", "--reporter",
                                                         "0x" + String(repeating: "11", count: 20), "--salt", "0x" + String(repeating: "00", count: 32)])
        #expect(missing.status != 0 && missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
    }

    /// The CLI's commit and slash calldata for `file`, sent by Contracts/tests/slash_cli.py to the
    /// registry on py-evm: the slash must succeed, pay the reporter, and match eth-abi's encoding.
    /// Returns what the script printed.
    static func slashOnChain(_ file: String, reporter: String, salt: String) async throws -> String {
        let commit = try await MailvaultExecutable.run(["evidence", "calldata", file, "--reporter", reporter, "--salt", salt, "--commit"])
        let slash = try await MailvaultExecutable.run(["evidence", "calldata", file, "--reporter", reporter, "--salt", salt])
        #expect(commit.status == 0 && slash.status == 0, "\(commit.stderr) \(slash.stderr)")
        let run = try await ContractTools.python([
            "Contracts/tests/slash_cli.py", "--evidence", file, "--secret", Hex.encode(SlashEvidenceTests.secret, prefix: false),
            "--reporter", reporter, "--salt", salt,
            "--commit-calldata", commit.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
            "--slash-calldata", slash.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
        ], timeout: .seconds(540))
        #expect(!run.timedOut, "the slash script ran out of time")
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr.suffix(3000))")
        #expect(run.stdout.contains("calldata equals eth-abi's encoding"), "\(run.stdout)")
        return run.stdout
    }
}
