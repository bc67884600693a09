import ArgumentParser
import Foundation
import MailvaultCore
import MailvaultStore

/// The query parameters shared by `query` and `export`, named as the HTTP query names them.
struct StoreQueryOptions: ParsableArguments {
    @Option(help: "First sent time (Unix seconds), inclusive.")
    var from: UInt32 = 0

    @Option(help: "Last sent time (Unix seconds), inclusive.")
    var to: UInt32 = .max

    @Option(help: "Comma-separated topics as hex (at most 1000); when given, the bloom is ignored.")
    var topics: String?

    /// Topics parsed from `--topics`.
    func parsedTopics() throws -> [Topic] {
        guard let topics, !topics.isEmpty else { return [] }
        return try topics.split(separator: ",").map { text in
            do {
                return try Topic(hex: text.trimmingCharacters(in: .whitespaces))
            } catch {
                throw CLIError("invalid --topics entry '\(text)': \(error)")
            }
        }
    }

    /// A hex option's bytes, or a CLI error naming the option.
    static func bytes(_ hex: String?, option: String) throws -> [UInt8]? {
        guard let hex else { return nil }
        do {
            return try Hex.decode(hex)
        } catch {
            throw CLIError("invalid \(option): \(error)")
        }
    }

    /// Opens the store for reading beside a running node (LMDB lets readers share it).
    static func openForReading(_ directory: String) throws -> EnvelopeStore {
        do {
            return try EnvelopeStore.open(at: directory, configuration: StoreConfiguration(readOnly: true))
        } catch {
            throw CLIError("cannot open the store in \(directory): \(error)")
        }
    }
}
