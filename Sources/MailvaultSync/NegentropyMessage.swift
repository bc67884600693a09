import MailvaultCore

/// A Negentropy version 1 message: the version byte and the ranges, which together cover the
/// space from `SyncBound.zero` up to the last upper bound (an implicit Skip covers the rest up
/// to infinity). Docs/Sync.md, "Negentropy messages", specifies the encoding and every check.
public struct NegentropyMessage: Equatable, Sendable {
    /// The protocol version byte of version 1.
    public static let version1: UInt8 = 0x61

    /// The ranges, in ascending order of their upper bounds.
    public var ranges: [NegentropyRange]

    /// A message from its ranges; they must ascend, or `encode()` writes an invalid message.
    public init(ranges: [NegentropyRange]) {
        self.ranges = ranges
    }

    /// Parses a version 1 message, treating `bytes` as hostile: every limit is checked before
    /// anything is allocated for it, and bounds must strictly ascend (only ranges at infinity
    /// may be empty, as the reference responder may write one after filling its frame).
    public init<C: Collection<UInt8>>(bytes input: C, limits: SyncLimits = .default) throws(SyncError) {
        guard !input.isEmpty else { throw .emptyMessage }
        guard input.count <= limits.maxMessageBytes else {
            throw .messageTooLarge(size: input.count, limit: limits.maxMessageBytes)
        }
        let bytes = Array(input)
        let version = bytes[0]
        guard (0x60...0x6F).contains(version) else { throw .invalidVersion(version) }
        guard version == NegentropyMessage.version1 else { throw .unsupportedVersion(version) }

        var ranges = [NegentropyRange]()
        var offset = 1
        var lastTimestamp: UInt64 = 0
        var previous = SyncBound.zero
        while offset < bytes.count {
            let index = ranges.count
            guard index < limits.maxRanges else { throw .tooManyRanges(limit: limits.maxRanges) }
            func varint() throws(SyncError) -> UInt64 {
                do {
                    return try Varint.decode(bytes, at: &offset)
                } catch {
                    switch error {
                    case .truncated: throw .truncated(range: index)
                    case .overflow: throw .varintOverflow(range: index)
                    case .nonMinimal: throw .nonMinimalVarint(range: index)
                    }
                }
            }

            // The timestamp: 0 is infinity, otherwise 1 + the offset from the previous bound's,
            // saturating at infinity as the C++ reference does.
            let encoded = try varint()
            var timestamp = UInt64.max
            if encoded != 0, lastTimestamp != .max {
                let (sum, overflow) = lastTimestamp.addingReportingOverflow(encoded - 1)
                timestamp = overflow ? .max : sum
            }
            lastTimestamp = timestamp
            let length = try varint()
            guard length <= 32 else { throw .prefixTooLong(range: index, length: length) }
            guard bytes.count - offset >= Int(length) else { throw .truncated(range: index) }
            let bound = SyncBound(timestamp: timestamp, prefix: bytes[offset..<offset + Int(length)]) ?? .infinity
            offset += Int(length)
            if bound < previous { throw .invertedRange(range: index) }
            if bound == previous && !bound.isInfinity { throw .emptyRange(range: index) }
            previous = bound

            let payload: NegentropyRange.Payload
            switch try varint() {
            case 0:
                payload = .skip
            case 1:
                guard bytes.count - offset >= Fingerprint.size,
                      let fingerprint = Fingerprint(bytes: bytes[offset..<offset + Fingerprint.size])
                else { throw .truncated(range: index) }
                offset += Fingerprint.size
                payload = .fingerprint(fingerprint)
            case 2:
                let count = try varint()
                guard count <= UInt64(limits.maxIdsPerList) else {
                    throw .tooManyIds(range: index, count: count, limit: limits.maxIdsPerList)
                }
                guard count <= UInt64((bytes.count - offset) / 32) else { throw .truncated(range: index) }
                var ids = [Hash256]()
                ids.reserveCapacity(Int(count))
                for _ in 0..<Int(count) {
                    ids.append(Hash256(bytes: bytes[offset..<offset + 32]) ?? .zero)
                    offset += 32
                }
                payload = .idList(ids)
            case let mode:
                throw .unknownMode(range: index, mode: mode)
            }
            ranges.append(NegentropyRange(upperBound: bound, payload: payload))
        }
        self.ranges = ranges
    }

    /// The message's bytes: the version byte, then each range.
    public func encode() -> [UInt8] {
        var writer = MessageWriter()
        for range in ranges { writer.append(range) }
        return writer.bytes
    }
}
