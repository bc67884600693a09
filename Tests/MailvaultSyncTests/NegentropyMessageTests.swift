import MailvaultBench
import MailvaultCore
import MailvaultSync
import Testing

@Suite("NegentropyMessage")
struct NegentropyMessageTests {
    @Test("messages written by the Python encoder parse to their ranges and re-encode to the same bytes")
    func vectors() throws {
        for vector in try SyncVectors.load().messages {
            let bytes = try Hex.decode(vector.hex)
            let message = try NegentropyMessage(bytes: bytes)
            #expect(message.ranges.count == vector.ranges.count, "\(vector.name)")
            for (range, expected) in zip(message.ranges, vector.ranges) {
                let timestamp = try expected.timestamp.map { try #require(UInt64($0)) } ?? .max
                let bound = try #require(SyncBound(timestamp: timestamp, prefix: Hex.decode(expected.prefix)))
                #expect(range.upperBound == bound && range.upperBound.prefixLength == bound.prefixLength, "\(vector.name)")
                #expect(range.payload.mode == UInt64(expected.mode))
                switch range.payload {
                case .skip: break
                case let .fingerprint(fingerprint): #expect(fingerprint.description == expected.fingerprint)
                case let .idList(ids): #expect(ids.map { Hex.encode($0.bytes) } == expected.ids)
                }
            }
            #expect(message.encode() == bytes, "\(vector.name)")
        }
    }

    @Test("random ascending messages round-trip")
    func randomRoundTrip() throws {
        var random = SplitMix64(seed: 7)
        for _ in 0..<200 {
            var ranges = [NegentropyRange]()
            var timestamp: UInt64 = 0
            for _ in 0..<random.next(below: 12) {
                timestamp += random.next(below: 3) == 0 ? 0 : random.next(below: 1 << 40)
                let prefix = (0..<Int(random.next(below: 33))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                guard let bound = SyncBound(timestamp: timestamp, prefix: prefix),
                      ranges.last.map({ $0.upperBound < bound }) ?? (SyncBound.zero < bound) else { continue }
                let payload: NegentropyRange.Payload = switch random.next(below: 3) {
                case 0: .skip
                case 1: .fingerprint(Fingerprint(bytes: (0..<16).map { _ in UInt8(truncatingIfNeeded: random.next()) })!)
                default: .idList((0..<random.next(below: 4)).map { _ in random.hash() })
                }
                ranges.append(NegentropyRange(upperBound: bound, payload: payload))
            }
            if random.next(below: 2) == 0 { ranges.append(NegentropyRange(upperBound: .infinity, payload: .skip)) }
            let message = NegentropyMessage(ranges: ranges)
            #expect(try NegentropyMessage(bytes: message.encode()) == message)
        }
    }

    static let fingerprint = String(repeating: "ab", count: 16)

    static let ids31 = String(repeating: "ee", count: 31)
    static let malformedCases: [(String, SyncError)] = [
        ("", SyncError.emptyMessage),
        ("00", .invalidVersion(0x00)),
        ("70", .invalidVersion(0x70)),
        ("62aabbccddeeff", .unsupportedVersion(0x62)),
        ("60", .unsupportedVersion(0x60)),
        ("6100", .truncated(range: 0)),
        ("610001", .truncated(range: 0)),
        ("61000002", .truncated(range: 0)),
        ("6100000105", .truncated(range: 0)),
        ("6100000205", .truncated(range: 0)),
        ("6100000201" + ids31, .truncated(range: 0)),
        ("61000000" + "02", .truncated(range: 1)),
        ("6100210000", .prefixTooLong(range: 0, length: 33)),
        ("61000003", .unknownMode(range: 0, mode: 3)),
        ("6100008001", .nonMinimalVarint(range: 0)),
        ("61ffffffffffffffffff7f0000", .varintOverflow(range: 0)),
        ("61010000", .emptyRange(range: 0)),
        ("610200000100" + "00", .emptyRange(range: 1)),
        ("6102010500" + "010000", .invertedRange(range: 1)),
        ("61000002" + "8fffffff7f", .tooManyIds(range: 0, count: 0xFFFF_FFFF, limit: 100_000)),
    ]

    @Test("malformed messages are refused with the rule they break", arguments: malformedCases)
    func malformed(hex: String, error: SyncError) throws {
        let bytes = try Hex.decode(hex)
        #expect(throws: error) { try NegentropyMessage(bytes: bytes) }
    }

    @Test("limits are checked before allocating")
    func limits() throws {
        let small = SyncLimits(maxMessageBytes: 64, maxRanges: 3, maxIdsPerList: 2)
        #expect(throws: SyncError.messageTooLarge(size: 65, limit: 64)) {
            try NegentropyMessage(bytes: [0x61] + [UInt8](repeating: 0, count: 64), limits: small)
        }
        #expect(throws: SyncError.tooManyRanges(limit: 3)) {
            try NegentropyMessage(bytes: Hex.decode("61" + String(repeating: "020000", count: 4)), limits: small)
        }
        #expect(throws: SyncError.tooManyIds(range: 0, count: 3, limit: 2)) {
            try NegentropyMessage(bytes: Hex.decode("6100000203"), limits: small)
        }
        // A count of 2^60 ids with no limit on ids is refused from the bytes left, not allocated.
        #expect(throws: SyncError.truncated(range: 0)) {
            try NegentropyMessage(bytes: Hex.decode("61000002908080808080808000"), limits: .unlimited)
        }
    }

    @Test("ranges at infinity may be empty, as the reference responder can write one after a full frame")
    func emptyAtInfinity() throws {
        let message = try NegentropyMessage(bytes: Hex.decode("6100000200" + "000001" + NegentropyMessageTests.fingerprint))
        #expect(message.ranges.count == 2)
        #expect(message.ranges.allSatisfy { $0.upperBound.isInfinity })
        // Timestamps saturate at infinity: after it every bound is infinity.
        let saturated = try NegentropyMessage(bytes: Hex.decode("61000000050000000000"))
        #expect(saturated.ranges.map(\.upperBound) == [.infinity, .infinity, .infinity])
    }
}
