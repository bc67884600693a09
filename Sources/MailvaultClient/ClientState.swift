import Foundation
import MailvaultStore

/// What the client remembers between syncs, in `client-state.json` in its data directory
/// (replaced whole and synced by `AtomicFile`, so a crash leaves the old state or the new):
/// how far each topic set is complete, and what it learned about each provider.
public struct ClientState: Codable, Sendable, Equatable {
    /// What the client learned about one provider in its syncs.
    public struct Provider: Codable, Sendable, Equatable {
        /// The URL it was last reached at.
        public var url: String
        /// Its share of the union in the last sync that read its whole answer.
        public var completeness: Double?
        /// Omissions proven with evidence, over all syncs.
        public var provenOmissions: Int
        /// Syncs it took part in.
        public var syncs: Int
        /// When it last took part (Unix seconds).
        public var lastSync: UInt32
    }

    /// The file's format version.
    public var version = 1
    /// Per topic set (`SyncScope.topicSet`), the key up to which every envelope listed by the
    /// providers asked is stored locally (hex, 36 bytes). Only ever advanced over complete ranges.
    public var highWater: [String: String] = [:]
    /// Per provider address.
    public var providers: [String: Provider] = [:]

    /// An empty state, as before the first sync.
    public init() {}

    /// The file's name in the data directory.
    public static let fileName = "client-state.json"

    /// The state in `directory`, or a fresh one when there is none yet; a file that does not
    /// parse is an error, not a silent restart from nothing.
    public static func load(from directory: String) throws(ClientError) -> ClientState {
        let path = directory + "/" + fileName
        guard let bytes = AtomicFile.read(path) else { return ClientState() }
        do {
            return try JSONDecoder().decode(ClientState.self, from: Data(bytes))
        } catch {
            throw .localStorage("\(path) does not parse: \(error)")
        }
    }

    /// Replaces the state in `directory` whole.
    public func save(to directory: String) throws(ClientError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let bytes = (try? encoder.encode(self)).map { Array($0) } ?? []
        do {
            try AtomicFile.replace(directory + "/" + ClientState.fileName, with: bytes)
        } catch {
            throw .localStorage("cannot write \(directory)/\(ClientState.fileName): \(error)")
        }
    }
}
