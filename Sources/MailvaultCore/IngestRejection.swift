/// Why a node does not keep an envelope.
public enum IngestRejection: Error, Equatable, Sendable, CustomStringConvertible {
    /// TTL 0: go-ethereum would compute an infinite PoW; refused explicitly.
    case zeroTTL
    /// Sent (expiry - ttl) more than the sync allowance after `now`.
    case future(sent: UInt32, now: UInt32)
    /// Expired more than twice the sync allowance before `now`.
    case tooOld(expiry: UInt32, now: UInt32)
    /// Expired, but recently: go-ethereum drops these silently rather than reporting an error.
    case expired(expiry: UInt32, now: UInt32)
    /// Size (20 + data length) above the node's maximum.
    case tooLarge(size: Int, maximum: Int)
    /// PoW below the node's minimum.
    case lowPoW(pow: Double, minimum: Double)
    /// The topic's bloom does not match the node's filter.
    case bloomMismatch

    /// A stable identifier for the reason (`future`, `tooOld`, `lowPoW`, ...).
    public var code: String {
        switch self {
        case .zeroTTL: "zeroTTL"
        case .future: "future"
        case .tooOld: "tooOld"
        case .expired: "expired"
        case .tooLarge: "tooLarge"
        case .lowPoW: "lowPoW"
        case .bloomMismatch: "bloomMismatch"
        }
    }

    /// True for the one reason go-ethereum treats as a silent drop rather than a peer's fault.
    public var isSilentDrop: Bool {
        if case .expired = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .zeroTTL: "TTL is zero"
        case .future(let sent, let now): "sent at \(sent), more than 10 s in the future (now \(now))"
        case .tooOld(let expiry, let now): "expired at \(expiry), more than 20 s ago (now \(now))"
        case .expired(let expiry, let now): "expired at \(expiry) (now \(now))"
        case .tooLarge(let size, let maximum): "size \(size) exceeds the maximum \(maximum)"
        case .lowPoW(let pow, let minimum): "PoW \(pow) is below the minimum \(minimum)"
        case .bloomMismatch: "topic does not match the node's bloom filter"
        }
    }
}
