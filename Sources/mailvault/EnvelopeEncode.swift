import ArgumentParser
import MailvaultCore

/// `mailvault envelope encode`: fields to hex.
struct EnvelopeEncode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode an envelope from its fields and print it as hex.",
        discussion: """
            Example:
              mailvault envelope encode --expiry 0 --ttl 1 --topic 0x00000000 --data 0xdeadbeef --nonce 276
            """
    )

    @Option(help: "Expiry, Unix seconds (uint32).")
    var expiry: UInt32

    @Option(help: "Time to live in seconds (uint32).")
    var ttl: UInt32

    @Option(help: "Topic: 4 bytes as hex.")
    var topic: String

    @Option(help: "Payload as hex (may be empty).")
    var data: String

    @Option(help: "Nonce (uint64).")
    var nonce: UInt64

    func run() throws {
        let fields = try EnvelopeFields(topic: topic, data: data)
        let envelope = Envelope(expiry: expiry, ttl: ttl, topic: fields.topic, data: fields.data, nonce: nonce)
        print(Hex.encode(envelope.encoded, prefix: true))
    }
}

/// Topic and data as parsed from command-line hex.
struct EnvelopeFields {
    let topic: Topic
    let data: [UInt8]

    init(topic: String, data: String) throws {
        do {
            self.topic = try Topic(hex: topic)
        } catch {
            throw CLIError("invalid --topic: \(error)")
        }
        do {
            self.data = try Hex.decode(data)
        } catch {
            throw CLIError("invalid --data: \(error)")
        }
    }
}
