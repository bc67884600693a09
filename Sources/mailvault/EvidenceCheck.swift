import ArgumentParser
import Foundation
import MailvaultAccountability
import MailvaultCore
import MailvaultStore

/// `mailvault evidence check`: decides whether evidence proves that a provider withheld an
/// envelope, and prints a verdict anyone can reproduce from the same files.
struct EvidenceCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check evidence of omission and print the verdict as JSON.",
        discussion: """
            The evidence is either one file as `mailvault audit --out` writes it
            ({"receipt":{signed receipt},"keys":["0x…"],"envelope":"0x…"}), or three files: the
            provider's signed receipt (its JSON, or the whole JSON answer that carried it), the
            page's keys (one 36-byte key, 0x + 72 hex digits, per line), and the envelope as hex.

            The check needs nothing but the files: the receipt's signature must recover to the
            provider it names, the keys must match the receipt's commitment, and the envelope must
            be valid (PoW at or above the provider's declared minimum), within the query's range,
            topics and the coverage the provider vouched for, and absent from the page.

            With --contract the verdict is the on-chain contract's (Contracts/OmissionVerifier.vy,
            Docs/Incentives.md): the same rules, and also the receipt in the exact form the
            server writes within the contract's bounds, the PoW compared in integers with a
            margin of 2^-32 (never more lenient than the check above), and the envelope sent at
            least --grace seconds before the answer.

            Exit status: 0 when the evidence proves the omission, 1 when it does not (the verdict
            says why), 2 when a file cannot be read or parsed.

            Examples:
              mailvault evidence check evidence/omission-0x4e60c2c2…-0x9b1d….json
              mailvault evidence check receipt.json keys.txt envelope.hex
              mailvault evidence check --contract --grace 60 evidence/omission-0x4e60c2c2…-0x9b1d….json
            """
    )

    @Argument(help: "EVIDENCE.json, or RECEIPT.json KEYS.txt ENVELOPE.hex.")
    var files: [String]

    @Flag(help: "Decide as the on-chain contract would.")
    var contract = false

    @Option(help: "With --contract: the registry's answer grace, in seconds (its answer_grace).")
    var grace: UInt32 = 60

    func validate() throws {
        guard files.count == 1 || files.count == 3 else {
            throw ValidationError("give one evidence file, or a receipt, a key list and an envelope (got \(files.count) files)")
        }
    }

    func run() throws {
        let evidence: OmissionEvidence
        do {
            evidence = try load()
        } catch {
            FileHandle.standardError.write(Data("mailvault: \(error)\n".utf8))
            Foundation.exit(2)
        }
        var verdict: EvidenceVerdict
        if contract {
            do {
                verdict = try ContractEvidence(evidence).check(grace: grace)
            } catch {
                verdict = evidence.check()
                verdict.proven = false
                verdict.reason = "\(error)"
            }
        } else {
            verdict = evidence.check()
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: (try? encoder.encode(verdict)) ?? Data(), as: UTF8.self))
        if !verdict.proven { Foundation.exit(1) }
    }

    private func load() throws -> OmissionEvidence {
        if files.count == 1 {
            do {
                return try OmissionEvidence(json: read(files[0]))
            } catch let error as AccountabilityError {
                throw CLIError("\(files[0]): \(error)")
            }
        }
        let receipt = try EvidenceCheck.receipt(read(files[0]), path: files[0])
        let lines = String(decoding: try read(files[1]), as: UTF8.self)
            .split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let keys: [EnvelopeKey]
        do {
            keys = try OmissionEvidence.keys(lines)
        } catch {
            throw CLIError("\(files[1]): \(error)")
        }
        let envelope: Envelope
        do {
            envelope = try OmissionEvidence.envelope(String(decoding: try read(files[2]), as: UTF8.self))
        } catch let error as AccountabilityError {
            throw CLIError("\(files[2]): \(error)")
        }
        return OmissionEvidence(receipt: receipt, keys: keys, envelope: envelope)
    }

    /// A signed receipt from its own JSON or from the API answer that carried it.
    static func receipt(_ bytes: [UInt8], path: String) throws -> SignedDocument {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw CLIError("\(path): not a JSON object")
        }
        do {
            if let inner = object["receipt"] as? [String: Any] { return try SignedDocument(object: inner) }
            return try SignedDocument(object: object)
        } catch {
            throw CLIError("\(path): \(error)")
        }
    }

    private func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("cannot read \(path)")
        }
        return Array(data)
    }
}

