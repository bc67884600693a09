import ArgumentParser
import Foundation
import MailvaultAccountability
import MailvaultCore

/// `mailvault evidence calldata`: the on-chain form of evidence written by `mailvault audit`:
/// the ABI-encoded `ProviderRegistry.slash` call (or, with `--commit`, the `commit` call that
/// must come first, in an earlier block).
struct EvidenceCalldata: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calldata",
        abstract: "Print the ABI-encoded slash (or commit) call for an evidence file.",
        discussion: """
            The registry pays the reward to REPORTER only if REPORTER committed to the evidence
            first: send the `--commit` call, wait for a block, then send the slash call with the
            same --reporter and --salt (Docs/Incentives.md). The output is one line of 0x-hex,
            the data of a transaction to the ProviderRegistry.

            The contract reads only receipts in the exact form Mailvault's server writes, within
            its bounds (1000 keys, an 8 KiB envelope, 64 topics, 32 gaps); evidence it could not
            take is refused here with the reason. `mailvault evidence check --contract` says
            whether the contract would accept it.

            Examples:
              mailvault evidence calldata omission-0x4e60…-0x1f2e….json --reporter 0x5b38… --salt 0x7f… --commit
              mailvault evidence calldata omission-0x4e60…-0x1f2e….json --reporter 0x5b38… --salt 0x7f…
            """
    )

    @Argument(help: "The evidence file, as `mailvault audit --out` writes it.")
    var file: String

    @Option(help: "The address paid the reporter's share (0x + 40 hex digits).")
    var reporter: String

    @Option(help: "The commitment's secret, 32 bytes (0x + 64 hex digits); keep it until the slash call.")
    var salt: String

    @Flag(help: "Print the commit call instead of the slash call.")
    var commit = false

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read \(file)") }
        let reporter: ProviderAddress
        do {
            reporter = try ProviderAddress(hex: self.reporter)
        } catch {
            throw CLIError("--reporter: '\(self.reporter)' is not a 20-byte address")
        }
        guard let bytes = try? Hex.decode(salt), let salt = Hash256(bytes: bytes) else {
            throw CLIError("--salt: '\(self.salt)' is not 32 bytes of hex")
        }
        let contract: ContractEvidence
        do {
            contract = try ContractEvidence(OmissionEvidence(json: Array(data)))
        } catch {
            throw CLIError("\(file): \(error)")
        }
        let call = commit ? contract.commitCall(reporter: reporter, salt: salt) : contract.slashCall(reporter: reporter, salt: salt)
        print(Hex.encode(call, prefix: true))
    }
}
