import MailvaultSync

/// Why a peer could not be used, or a sync round failed. Every case names what the peer did
/// wrong (or what failed here), in one sentence.
public enum FederationError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A `--peer` value that is not `http(s)://host[:port][#0xADDRESS]`.
    case invalidPeer(String, reason: String)
    /// The peer's descriptor did not verify, or is not a descriptor.
    case badDescriptor(peer: String, reason: String)
    /// The peer signs with another key than the one remembered (or pinned) for its URL.
    case keyChanged(peer: String, known: String, presented: String)
    /// The peer answered with an HTTP error.
    case status(peer: String, code: Int, message: String)
    /// The peer's answer broke the protocol (a malformed message, an envelope not asked for).
    case protocolViolation(peer: String, reason: String)
    /// The peer could not be reached, or did not answer in time.
    case unreachable(peer: String, reason: String)
    /// The local archive failed.
    case archive(String)

    public var description: String {
        switch self {
        case .invalidPeer(let text, let reason): "invalid peer '\(text)': \(reason)"
        case .badDescriptor(let peer, let reason): "\(peer): its descriptor does not verify: \(reason)"
        case .keyChanged(let peer, let known, let presented):
            "\(peer) now signs as \(presented), but \(known) is expected for it (remembered from before, or pinned); pin the new address with --peer URL#\(presented) if the change is intended"
        case .status(let peer, let code, let message): "\(peer) answered \(code): \(message)"
        case .protocolViolation(let peer, let reason): "\(peer) broke the sync protocol: \(reason)"
        case .unreachable(let peer, let reason): "\(peer) is unreachable: \(reason)"
        case .archive(let reason): "the local archive failed: \(reason)"
        }
    }

    /// A short stable name for metrics and `/v1/peers`.
    public var code: String {
        switch self {
        case .invalidPeer: "invalidPeer"
        case .badDescriptor: "badDescriptor"
        case .keyChanged: "keyChanged"
        case .status: "status"
        case .protocolViolation: "protocolViolation"
        case .unreachable: "unreachable"
        case .archive: "archive"
        }
    }

    static func from(_ error: SyncError, peer: String) -> FederationError {
        .protocolViolation(peer: peer, reason: "\(error)")
    }
}
