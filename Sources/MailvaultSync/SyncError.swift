/// Why a Negentropy message was refused or a reconciliation could not go on. Ranges are counted
/// from 0 in the order they appear in the message.
public enum SyncError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The message has no bytes, not even the version byte.
    case emptyMessage
    /// The message is longer than `SyncLimits.maxMessageBytes`.
    case messageTooLarge(size: Int, limit: Int)
    /// The first byte is not a Negentropy version byte (0x60 to 0x6F).
    case invalidVersion(UInt8)
    /// A Negentropy version other than 1 (0x61); a responder answers it with `[0x61]`.
    case unsupportedVersion(UInt8)
    /// The message ends inside range `range`.
    case truncated(range: Int)
    /// A varint in range `range` does not fit in 64 bits.
    case varintOverflow(range: Int)
    /// A varint in range `range` starts with a zero digit.
    case nonMinimalVarint(range: Int)
    /// The id prefix of range `range`'s bound is longer than 32 bytes.
    case prefixTooLong(range: Int, length: UInt64)
    /// Range `range` has a mode other than 0 (Skip), 1 (Fingerprint) and 2 (IdList).
    case unknownMode(range: Int, mode: UInt64)
    /// Range `range` ends where the previous one ended, below infinity.
    case emptyRange(range: Int)
    /// Range `range` ends below where the previous one ended.
    case invertedRange(range: Int)
    /// The message has more than `SyncLimits.maxRanges` ranges.
    case tooManyRanges(limit: Int)
    /// Range `range` lists more than `SyncLimits.maxIdsPerList` ids.
    case tooManyIds(range: Int, count: UInt64, limit: Int)
    /// A frame size limit other than 0 below the protocol's minimum of 4096 bytes.
    case invalidFrameSizeLimit(Int)
    /// Options out of their domain (a branching factor below 2, a threshold below 1, ...).
    case invalidOptions(String)
    /// `initiate` was given a window whose lower bound is not below its upper bound.
    case emptyWindow
    /// `reconcile` was called before `initiate`.
    case notInitiated
    /// The index failed or broke its contract.
    case index(String)

    public var description: String {
        switch self {
        case .emptyMessage: "empty message: not even a version byte"
        case let .messageTooLarge(size, limit): "message of \(size) bytes exceeds the limit of \(limit)"
        case let .invalidVersion(byte): "first byte 0x\(String(byte, radix: 16)) is not a Negentropy version (0x60-0x6f)"
        case let .unsupportedVersion(byte): "Negentropy version byte 0x\(String(byte, radix: 16)) is not supported (only 0x61)"
        case let .truncated(range): "message ends inside range \(range)"
        case let .varintOverflow(range): "a varint in range \(range) exceeds 64 bits"
        case let .nonMinimalVarint(range): "a varint in range \(range) has a leading zero digit"
        case let .prefixTooLong(range, length): "range \(range)'s bound has an id prefix of \(length) bytes (at most 32)"
        case let .unknownMode(range, mode): "range \(range) has unknown mode \(mode)"
        case let .emptyRange(range): "range \(range) is empty: its upper bound equals the previous one"
        case let .invertedRange(range): "range \(range) is inverted: its upper bound is below the previous one"
        case let .tooManyRanges(limit): "message has more than \(limit) ranges"
        case let .tooManyIds(range, count, limit): "range \(range) lists \(count) ids (at most \(limit))"
        case let .invalidFrameSizeLimit(limit): "frame size limit \(limit) is neither 0 nor at least 4096"
        case let .invalidOptions(reason): "invalid reconciler options: \(reason)"
        case .emptyWindow: "the window's lower bound is not below its upper bound"
        case .notInitiated: "reconcile called before initiate"
        case let .index(reason): "sync index: \(reason)"
        }
    }
}
