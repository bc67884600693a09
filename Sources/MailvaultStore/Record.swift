import MailvaultCore

/// One envelope as it lies in a block (layout in Docs/Storage.md):
///
///     kind u8 | payload length (LEB128) | topic u32 BE | pow float32 BE | payload
///
/// `kind` says whether the payload is the RLP as received (`raw`) or a zstd frame of it. The
/// record carries the topic and PoW so that deleting an envelope, answering a hashes-only query
/// and rebuilding the retention index never decompress it. The key is not stored: a block can
/// be walked and each record's key recomputed (sent from the RLP, hash by keccak256), which is
/// how sparse blocks are compacted.
struct Record {
    enum Kind: UInt8 {
        case raw = 0
        case zstd = 1
    }

    let kind: Kind
    let topic: Topic
    let pow: Float
    /// The stored payload, in place (inside the memory map while the transaction lasts).
    let payload: UnsafeRawBufferPointer
    /// Header plus payload: the record's footprint in its block.
    let length: Int

    /// The largest header: kind, a 5-byte LEB128, topic, pow.
    static let maximumHeaderLength = 1 + 5 + 4 + 4

    /// Encodes a record.
    static func encode<C: Collection<UInt8>>(kind: Kind, topic: Topic, pow: Float, payload: C) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(maximumHeaderLength + payload.count)
        out.append(kind.rawValue)
        var length = UInt32(payload.count)
        repeat {
            let low = UInt8(length & 0x7F)
            length >>= 7
            out.append(length == 0 ? low : low | 0x80)
        } while length != 0
        BigEndian.append(topic.rawValue, to: &out)
        BigEndian.append(pow.bitPattern, to: &out)
        out.append(contentsOf: payload)
        return out
    }

    /// Parses the record at `offset` of a block, checking every length against the block.
    static func parse(block: UnsafeRawBufferPointer, at offset: Int) throws(StoreError) -> Record {
        guard offset >= 0, offset < block.count, let kind = Kind(rawValue: block[offset]) else {
            throw .corrupt("no record at offset \(offset) of a \(block.count)-byte block")
        }
        var cursor = offset + 1
        var length = 0
        var shift = 0
        while true {
            guard cursor < block.count, shift <= 28 else { throw .corrupt("record length runs past its block") }
            let byte = block[cursor]
            cursor += 1
            length |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        guard cursor + 8 + length <= block.count else { throw .corrupt("record runs past its block") }
        let topic = Topic(rawValue: BigEndian.uint32(block, at: cursor))
        let pow = Float(bitPattern: BigEndian.uint32(block, at: cursor + 4))
        let payload = UnsafeRawBufferPointer(rebasing: block[(cursor + 8)..<(cursor + 8 + length)])
        return Record(kind: kind, topic: topic, pow: pow, payload: payload, length: cursor + 8 + length - offset)
    }
}
