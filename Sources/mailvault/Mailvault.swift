import ArgumentParser
import Foundation
import MailvaultCore

/// The `mailvault` command: the root of every subcommand.
@main
struct Mailvault: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailvault",
        abstract: "Offline-message store and proof-of-work engine for Whisper v6 / Waku v1 envelopes.",
        discussion: """
            Examples:
              mailvault envelope encode --expiry 0 --ttl 1 --topic 0x00000000 --data 0xdeadbeef --nonce 276
              mailvault envelope decode 0xcf8001840000000084deadbeef820114
            """,
        version: MailvaultVersion.current,
        subcommands: [ServeCommand.self, EnvelopeCommand.self, ImportCommand.self, ExportCommand.self, QueryCommand.self,
                      StatsCommand.self, CompactCommand.self, BenchCommand.self,
                      EvidenceCommand.self,
                      AuditCommand.self,
                      ProvidersCommand.self, SyncCommand.self,
                      ProviderCommand.self, DirectoryCommand.self, ClientCommand.self]
    )

    /// Runs the command line, turning every failure into one line on standard error and a
    /// non-zero exit status (help and version go to standard output with status 0).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            let message = Mailvault.message(for: error)
                .split(whereSeparator: \.isNewline).first.map(String.init) ?? "failed"
            FileHandle.standardError.write(Data("mailvault: \(message)\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}
