import MailvaultCore

/// One envelope as it lies in a block (layout in Docs/Storage.md). Since schema 7:
///
///     head (LEB128 of payload length << 2 | kind) | [dictionary id (LEB128)] | [topic u32 BE] | payload
///
/// Blocks written by schemas 4 to 6 (numbered below `meta/version7Blocks`) have a PoW,
/// float32 BE, before the payload.
///
/// `kind` says whether the payload is the RLP as received (`raw`), a zstd frame of it, or a
/// zstd frame made with a stored dictionary (whose id follows the head). The record carries
/// the topic unless it is raw (a raw payload is the RLP, whose topic sits at a fixed
/// place after the two short integers), so that deleting an envelope, answering a hashes-only
/// query and rebuilding the retention index never decompress it. The key is not stored: a
/// block can be walked and each record's key recomputed (sent from the RLP, hash by
/// keccak256), which is how sparse blocks are compacted.
///
/// Blocks written by schema 3 (numbered below `meta/version3Blocks`) keep schema 3's records,
/// `kind u8 | payload length (LEB128) | topic u32 BE | pow float32 BE | payload`, kinds 0 and 1.
struct Record {
    enum Kind: UInt8 {
        case raw = 0
        case zstd = 1
        case zstdDictionary = 2
    }

    /// How the records of a block are laid out.
    enum Format {
        /// Schema 3: an 11-byte header (for payloads under 16 KiB) on every record.
        case version3
        /// Schemas 4-6: the head folds the kind into the length; raw records omit the topic.
        case version4
        /// Schema 7: as version 4 without the PoW (computed from the envelope when needed).
        case version7
    }

    let kind: Kind
    let topic: Topic
    /// The PoW recorded by schemas 3-6, or NaN: unknown, computed from the envelope when needed.
    let pow: Float
    /// The dictionary a `zstdDictionary` record was compressed with (0 otherwise).
    let dictionary: UInt32
    /// The stored payload, in place (inside the memory map while the transaction lasts).
    let payload: UnsafeRawBufferPointer
    /// Header plus payload: the record's footprint in its block.
    let length: Int

    /// The largest header: a 5-byte head, a 5-byte dictionary id, the topic.
    static let maximumHeaderLength = 5 + 5 + 4

    /// Encodes a record in the current format.
    static func encode<C: Collection<UInt8>>(kind: Kind, topic: Topic, dictionary: UInt32 = 0, payload: C) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(maximumHeaderLength + payload.count)
        appendLEB128(UInt64(payload.count) << 2 | UInt64(kind.rawValue), to: &out)
        if kind == .zstdDictionary { appendLEB128(UInt64(dictionary), to: &out) }
        if kind != .raw { BigEndian.append(topic.rawValue, to: &out) }
        out.append(contentsOf: payload)
        return out
    }

    /// The kind of an encoded record (current format), from its first byte.
    static func kind(ofEncoded record: [UInt8]) -> Kind? {
        record.first.flatMap { Kind(rawValue: $0 & 3) }
    }

    /// Parses the record at `offset` of a block, checking every length against the block.
    static func parse(block: UnsafeRawBufferPointer, at offset: Int, format: Format) throws(StoreError) -> Record {
        guard offset >= 0, offset < block.count else {
            throw .corrupt("no record at offset \(offset) of a \(block.count)-byte block")
        }
        var cursor = offset
        let kind: Kind?
        let length: Int
        var dictionary: UInt32 = 0
        switch format {
        case .version3:
            kind = block[cursor] <= 1 ? Kind(rawValue: block[cursor]) : nil
            cursor += 1
            length = Int(try readLEB128(block, &cursor))
        case .version4, .version7:
            let head = try readLEB128(block, &cursor)
            kind = Kind(rawValue: UInt8(head & 3))
            length = Int(head >> 2)
            if kind == .zstdDictionary {
                dictionary = UInt32(clamping: try readLEB128(block, &cursor))
            }
        }
        guard let kind else { throw .corrupt("a record of unknown kind at offset \(offset)") }
        let carriesTopic = format == .version3 || kind != .raw
        let carriesPoW = format != .version7
        let header = (carriesTopic ? 4 : 0) + (carriesPoW ? 4 : 0)
        guard cursor + header + length <= block.count else { throw .corrupt("record runs past its block") }
        var topic = Topic(rawValue: 0)
        if carriesTopic {
            topic = Topic(rawValue: BigEndian.uint32(block, at: cursor))
            cursor += 4
        }
        var pow = Float.nan
        if carriesPoW {
            pow = Float(bitPattern: BigEndian.uint32(block, at: cursor))
            cursor += 4
        }
        let payload = UnsafeRawBufferPointer(rebasing: block[cursor..<(cursor + length)])
        if !carriesTopic {
            guard let found = topicOfRLP(payload) else { throw .corrupt("a raw record is not an envelope RLP") }
            topic = found
        }
        return Record(kind: kind, topic: topic, pow: pow, dictionary: dictionary, payload: payload,
                      length: cursor + length - offset)
    }

    /// The topic of an envelope RLP `[Expiry, TTL, Topic, Data, Nonce]`: after the list header
    /// and two integers of at most 4 bytes comes `0x84` and the 4 topic bytes. Only the shape
    /// is checked (the RLP was decoded strictly before it was stored).
    static func topicOfRLP(_ rlp: UnsafeRawBufferPointer) -> Topic? {
        guard let first = rlp.first, first >= 0xC0 else { return nil }
        var cursor = first <= 0xF7 ? 1 : 1 + Int(first - 0xF7)
        for _ in 0..<2 {
            guard cursor < rlp.count else { return nil }
            let byte = rlp[cursor]
            if byte < 0x80 {
                cursor += 1
            } else if byte <= 0x84 {
                cursor += 1 + Int(byte - 0x80)
            } else {
                return nil
            }
        }
        guard cursor + 5 <= rlp.count, rlp[cursor] == 0x84 else { return nil }
        return Topic(rawValue: BigEndian.uint32(rlp, at: cursor + 1))
    }

    private static func appendLEB128(_ value: UInt64, to out: inout [UInt8]) { LEB128.append(value, to: &out) }

    private static func readLEB128(_ block: UnsafeRawBufferPointer, _ cursor: inout Int) throws(StoreError) -> UInt64 {
        guard let value = LEB128.read(block, at: &cursor) else { throw .corrupt("record length runs past its block") }
        return value
    }
}
