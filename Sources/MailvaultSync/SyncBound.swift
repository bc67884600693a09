import MailvaultCore

/// A point of the (timestamp, id) space that separates ranges: a timestamp and an id prefix of
/// 0 to 32 bytes, standing for the id made of the prefix followed by zero bytes
/// (docs/negentropy-protocol-v1.md, "Bound").
///
/// Bounds compare and are equal as points: prefixes `ab` and `ab 00` are the same bound, written
/// with different lengths. Every bound whose timestamp is `UInt64.max` is `infinity`, above every
/// item.
public struct SyncBound: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The timestamp; `UInt64.max` is infinity.
    public let timestamp: UInt64
    /// The prefix padded with zero bytes to 32.
    public let id: Hash256
    /// How many bytes of `id` are written on the wire, 0 to 32.
    public let prefixLength: Int

    /// The lowest bound, where the first range of every message starts.
    public static let zero = SyncBound(timestamp: 0)
    /// The bound above every item, where the last range of a message ends.
    public static let infinity = SyncBound(timestamp: .max)

    /// A bound at the first id of `timestamp` (an empty prefix).
    public init(timestamp: UInt64) {
        self.timestamp = timestamp
        self.id = .zero
        self.prefixLength = 0
    }

    /// A bound from a timestamp and an id prefix; `nil` if the prefix is longer than 32 bytes.
    /// At infinity the prefix is dropped.
    public init?<C: Collection<UInt8>>(timestamp: UInt64, prefix: C) {
        guard prefix.count <= 32 else { return nil }
        if timestamp == .max { self = .infinity; return }
        var padded = Array(prefix)
        padded.append(contentsOf: repeatElement(0, count: 32 - padded.count))
        self.timestamp = timestamp
        self.id = Hash256(bytes: padded) ?? .zero
        self.prefixLength = prefix.count
    }

    /// The bound exactly at `item` (its full id), so that `item` is the first element at or above it.
    public init(_ item: SyncItem) {
        self.timestamp = item.timestamp
        self.id = item.timestamp == .max ? .zero : item.id
        self.prefixLength = item.timestamp == .max ? 0 : 32
    }

    /// The shortest bound above `previous` and at or below `next` (`previous < next`), as the
    /// reference implementations choose it: an empty prefix when the timestamps differ, otherwise
    /// `next`'s id cut one byte after the prefix the two ids share.
    public static func separating(_ previous: SyncItem, _ next: SyncItem) -> SyncBound {
        if previous.timestamp != next.timestamp { return SyncBound(timestamp: next.timestamp) }
        let a = previous.id.bytes, b = next.id.bytes
        var shared = 0
        while shared < 32 && a[shared] == b[shared] { shared += 1 }
        return SyncBound(timestamp: next.timestamp, prefix: b.prefix(min(shared + 1, 32))) ?? SyncBound(next)
    }

    /// Whether this is the bound above every item.
    public var isInfinity: Bool { timestamp == .max }

    /// The prefix as written on the wire.
    public var prefix: [UInt8] { Array(id.bytes.prefix(prefixLength)) }

    /// Whether `item` lies at or above this bound.
    @inlinable
    public func isAtOrBelow(_ item: SyncItem) -> Bool {
        item.timestamp != timestamp ? item.timestamp > timestamp : item.id >= id
    }

    public static func == (a: SyncBound, b: SyncBound) -> Bool { a.timestamp == b.timestamp && a.id == b.id }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(timestamp)
        hasher.combine(id)
    }

    public static func < (a: SyncBound, b: SyncBound) -> Bool {
        a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.id < b.id
    }

    public var description: String {
        isInfinity ? "infinity" : "\(timestamp):\(Hex.encode(prefix))"
    }
}
