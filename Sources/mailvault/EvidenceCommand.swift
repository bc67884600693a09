import ArgumentParser

/// `mailvault evidence`: evidence that a provider withheld an envelope.
struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence",
        abstract: "Check evidence of omission against a provider's signed receipt, or encode it for the chain.",
        discussion: """
            Examples:
              mailvault evidence check omission-0x4e60…-0x1f2e….json
              mailvault evidence check --contract omission-0x4e60…-0x1f2e….json
              mailvault evidence calldata omission-0x4e60…-0x1f2e….json --reporter 0x5b38… --salt 0x7f…
            """,
        subcommands: [EvidenceCheck.self, EvidenceCalldata.self]
    )
}
