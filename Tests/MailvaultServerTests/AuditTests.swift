import Foundation
import MailvaultAccountability
import MailvaultAudit
import MailvaultBench
import MailvaultCore
import MailvaultStore
import MailvaultTestSupport
import Testing

/// Two real servers on loopback holding the same envelopes, one of which withholds a topic from
/// its (still signed) answers: the audit must name it with evidence that verifies, and must find
/// nothing against the honest one.
@Suite("Cross-provider audit and ranking")
struct AuditTests {
    static let withheld = Topic(1, 2, 3, 4)

    struct Pair {
        let honest: TestServer
        let faulty: TestServer
        let envelopes: [Envelope]

        var urls: [String] { [honest, faulty].map { "http://127.0.0.1:\($0.port)" } }

        func stop() async throws {
            try await honest.stop()
            try await faulty.stop()
        }
    }

    /// 12 envelopes, a third of them on the withheld topic, posted to both servers. They are all
    /// sent at `TestServer.now`, the servers' first start, so within the coverage both vouch for.
    func pair() async throws -> Pair {
        let honest = try await TestServer.start()
        let faulty = try await TestServer.start(archive: { WithholdingArchive(store: $0, withheld: AuditTests.withheld) })
        let envelopes = (0..<12).map { Fixtures.envelope($0, topic: $0 % 3 == 0 ? AuditTests.withheld : Fixtures.topic) }
        for server in [honest, faulty] {
            let reply = try await server.client.post("/v1/envelopes", body: Envelope.encodePacket(envelopes),
                                                     contentType: "application/x-rlp")
            #expect(reply.status == 200, "\(reply.text)")
        }
        return Pair(honest: honest, faulty: faulty, envelopes: envelopes)
    }

    func audit(_ pair: Pair, pageLimit: Int = 1000, topics: [Topic] = []) throws -> Audit {
        var audit = Audit(providers: try pair.urls.map { try ProviderClient(url: $0, timeout: 10) },
                          from: TestServer.now - 60, to: TestServer.now, topics: topics)
        audit.pageLimit = pageLimit
        audit.latencySamples = 2
        return audit
    }

    @Test(arguments: [1000, 3])
    func theAuditNamesTheProviderThatWithholdsWithEvidenceThatVerifies(pageLimit: Int) async throws {
        let pair = try await pair()
        let result = try await audit(pair, pageLimit: pageLimit).run()
        let report = result.report
        #expect(report.union == pair.envelopes.count)
        let honest = report.providers[0], faulty = report.providers[1]

        #expect(honest.errors.isEmpty, "\(honest.errors)")
        #expect(honest.completeness == 1 && honest.missing.isEmpty && honest.answerComplete)
        #expect(honest.keys == pair.envelopes.count)
        #expect(honest.policy != nil && honest.coverage != nil && honest.latencyMilliseconds != nil)
        #expect(honest.successRate == 1)
        #expect(!result.findings.contains { $0.provider == honest.url })

        let withheld = Set(pair.envelopes.filter { $0.topic == AuditTests.withheld }.map(\.hash.description))
        #expect(faulty.keys == pair.envelopes.count - withheld.count)
        #expect(Set(faulty.missing.map(\.hash)) == withheld)
        #expect(faulty.missing.allSatisfy { $0.proven }, "\(faulty.missing.map(\.reason))")
        #expect(faulty.completeness == Double(pair.envelopes.count - withheld.count) / Double(pair.envelopes.count))
        #expect(result.findings.count == withheld.count)
        for finding in result.findings {
            #expect(finding.provider == faulty.url)
            #expect(finding.evidence.receipt.signer.description == faulty.address)
            let reread = try OmissionEvidence(json: finding.evidence.json)
            let verdict = reread.check()
            #expect(verdict.proven, "\(verdict.reason)")
            #expect(verdict.provider == faulty.address)
            #expect(withheld.contains(verdict.envelope))
        }
        if pageLimit < pair.envelopes.count { #expect(faulty.pages > 1) }
        try await pair.stop()
    }

    @Test func auditingOnlyTheTopicsNotWithheldFindsNothing() async throws {
        let pair = try await pair()
        let result = try await audit(pair, topics: [Fixtures.topic]).run()
        #expect(result.findings.isEmpty)
        #expect(result.report.providers.allSatisfy { $0.completeness == 1 && $0.missing.isEmpty })
        #expect(result.report.union == pair.envelopes.filter { $0.topic == Fixtures.topic }.count)
        try await pair.stop()
    }

    @Test func rankingPutsTheHonestProviderFirstAndSaysWhy() async throws {
        let pair = try await pair()
        let report = try await audit(pair).run().report
        let ranking = ProviderRanking(report.providers)
        #expect(ranking.entries.map(\.url) == pair.urls)
        #expect(ranking.entries[0].score > ranking.entries[1].score)
        #expect(ranking.entries[1].reasons.contains { $0.contains("withheld 4 envelope(s)") })
        #expect(ranking.entries[0].reasons.contains { $0.contains("held 100.0%") })
        var generator = SplitMix64(seed: 8)
        #expect(ranking.pick(using: &generator)?.url == pair.urls[0])
        try await pair.stop()
    }

    @Test func anUnreachableProviderIsReportedAndTheOthersStillAudited() async throws {
        let pair = try await pair()
        var audit = try audit(pair)
        audit.providers.append(try ProviderClient(url: "http://127.0.0.1:1", timeout: 2))
        let result = await audit.run()
        let dead = result.report.providers[2]
        #expect(dead.completeness == nil && !dead.answerComplete && dead.successRate == 0 && !dead.errors.isEmpty)
        #expect(result.findings.count == 4)
        let ranking = ProviderRanking(result.report.providers)
        #expect(ranking.entries.last?.url == dead.url)
        try await pair.stop()
    }

    @Test func clientVerifiesDescriptorEnvelopesAndCheckpoints() async throws {
        let pair = try await pair()
        let client = try ProviderClient(url: pair.urls[0] + "/")
        let identity = try await client.descriptor().value
        #expect(identity.descriptor.address == identity.address.description)
        let envelope = pair.envelopes[5]
        #expect(try await client.envelope(hash: envelope.hash).value == envelope)
        #expect(try await client.envelope(hash: Keccak256.hash([9])).value == nil)
        let checkpoints = try await client.checkpoints(from: 0, to: TestServer.now + 3600).value
        #expect(checkpoints.allSatisfy { $0.signed.signer == identity.address })
        #expect(throws: AuditError.self) { try ProviderClient(url: "ftp://example.org") }
        try await pair.stop()
    }

    /// `mailvault audit --out` writes the evidence, and `mailvault evidence check` proves it.
    @Test func theCommandLineWritesEvidenceThatTheCommandLineProves() async throws {
        let pair = try await pair()
        let directory = NSTemporaryDirectory() + "mailvault-audit-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = ["audit"] + pair.urls.flatMap { ["--provider", $0] }
            + ["--from", "\(TestServer.now - 60)", "--to", "\(TestServer.now)", "--out", directory]
        let audit = try await onThread { try MailvaultBinary.run(arguments) }
        #expect(audit.status == 0, "\(audit.stderr)")
        let report = try JSONDecoder().decode(AuditReport.self, from: Data(audit.stdout.utf8))
        #expect(report.providers[1].provenOmissions == 4 && report.providers[0].missing.isEmpty)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(files.count == 4)
        #expect(Set(files) == Set(report.providers[1].missing.compactMap(\.evidenceFile)))
        for file in files {
            let check = try await onThread { try MailvaultBinary.run(["evidence", "check", directory + "/" + file]) }
            #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
            let verdict = try JSONDecoder().decode(EvidenceVerdict.self, from: Data(check.stdout.utf8))
            #expect(verdict.proven && verdict.provider == report.providers[1].address)
        }
        let table = try await onThread { try MailvaultBinary.run(arguments.dropLast(2) + ["--table"]) }
        #expect(table.status == 0 && table.stdout.contains("PROVEN"))
        try await pair.stop()
    }
}

/// Runs the built `mailvault` binary, found next to the test bundle.
enum MailvaultBinary {
    struct Output: Sendable {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static let url = MailvaultExecutable.url

    static func run(_ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}
