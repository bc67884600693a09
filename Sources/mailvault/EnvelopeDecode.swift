import ArgumentParser
import Foundation
import MailvaultCore

/// `mailvault envelope decode`: one envelope from hex to JSON.
struct EnvelopeDecode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode one envelope (hex) and print it as JSON with its hash, PoW and bloom.",
        discussion: """
            Decoding is strict (go-ethereum's rules): non-canonical RLP, a topic that is not 4 bytes,
            anything but 5 items, or trailing bytes are refused with the reason on stderr.
            `pow` is computed with diff 0 and is null for a zero TTL.

            Examples:
              mailvault envelope decode 0xcf8001840000000084deadbeef820114
              echo cf8001840000000084deadbeef820114 | mailvault envelope decode
            """
    )

    @Argument(help: "The envelope as hex, with or without 0x; '-' or nothing reads standard input.")
    var hex: String?

    func run() throws {
        let text: String
        if let hex, hex != "-" {
            text = hex
        } else {
            let input = FileHandle.standardInput.readDataToEndOfFile()
            text = String(decoding: input, as: UTF8.self)
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let bytes: [UInt8]
        do {
            bytes = try Hex.decode(trimmed)
        } catch {
            throw CLIError("invalid hex: \(error)")
        }
        let envelope: Envelope
        do {
            envelope = try Envelope(decoding: bytes)
        } catch {
            throw CLIError("invalid envelope: \(error)")
        }
        print(EnvelopeDecode.json(for: envelope).text)
    }

    /// The decode command's JSON document for an envelope.
    static func json(for envelope: Envelope) -> JSONObject {
        var json = JSONObject()
        json.add("expiry", envelope.expiry)
        json.add("ttl", envelope.ttl)
        json.add("nonce", envelope.nonce)
        json.add("topic", envelope.topic.description)
        json.add("data", Hex.encode(envelope.data, prefix: true))
        json.add("hash", envelope.hash.description)
        json.add("pow", envelope.pow())
        json.add("bloom", envelope.bloom.description)
        json.add("size", envelope.size)
        return json
    }
}
