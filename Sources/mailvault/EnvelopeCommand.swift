import ArgumentParser

/// `mailvault envelope`: encode, decode and seal single envelopes.
struct EnvelopeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "envelope",
        abstract: "Encode, decode and seal Whisper v6 envelopes.",
        discussion: """
            Example:
              mailvault envelope seal --ttl 50 --topic 0xdeadbeef --data 0x01020304 --pow 0.2
            """,
        subcommands: [EnvelopeDecode.self, EnvelopeEncode.self, EnvelopeSeal.self]
    )
}
