/// A Whisper v6 / Waku v1 envelope: the RLP list `[Expiry, TTL, Topic, Data, Nonce]`.
///
/// An envelope keeps its canonical encoding and reads `data` from it, so decoding copies
/// nothing (an envelope decoded from a packet shares the packet's storage). Because decoding is
/// strict, the encoding is unique: `encoded` is byte-for-byte what was received, and `hash` is
/// keccak256 of exactly those bytes.
public struct Envelope: Hashable, Sendable {
    /// Unix time (seconds) at which the envelope expires.
    public let expiry: UInt32
    /// Time to live in seconds.
    public let ttl: UInt32
    /// The envelope's topic.
    public let topic: Topic
    /// The proof-of-work nonce.
    public let nonce: UInt64
    /// The canonical RLP encoding (the bytes as received, for a decoded envelope).
    public let encoded: ArraySlice<UInt8>
    /// Where `data` lies within `encoded`.
    @usableFromInline let dataRange: Range<Int>

    /// The payload (usually encrypted), a slice of `encoded`.
    @inlinable
    public var data: ArraySlice<UInt8> { encoded[dataRange] }

    /// The fixed part of an envelope's size in go-ethereum's accounting (`EnvelopeHeaderLength`).
    public static let headerLength = 20

    /// Builds and encodes an envelope.
    public init<C: Collection<UInt8>>(expiry: UInt32, ttl: UInt32, topic: Topic, data: C, nonce: UInt64) {
        let payloadLength = RLPWriter.encodedLength(uint: expiry) + RLPWriter.encodedLength(uint: ttl)
            + 5 + RLPWriter.encodedLength(string: data) + RLPWriter.encodedLength(uint: nonce)
        var writer = RLPWriter(reservingCapacity: RLPWriter.headerLength(payloadLength: payloadLength) + payloadLength)
        writer.appendList { list in
            list.append(uint: expiry)
            list.append(uint: ttl)
            list.append(string: topic.bytes)
            list.append(string: data)
            list.append(uint: nonce)
        }
        let bytes = writer.bytes
        let dataEnd = bytes.count - RLPWriter.encodedLength(uint: nonce)
        self.expiry = expiry
        self.ttl = ttl
        self.topic = topic
        self.nonce = nonce
        self.encoded = bytes[...]
        self.dataRange = (dataEnd - data.count)..<dataEnd
    }

    /// Strictly decodes one envelope; bytes after the list are an error.
    public init(decoding bytes: [UInt8]) throws(EnvelopeError) {
        let (envelope, rest) = try Envelope.split(bytes[...])
        guard rest.isEmpty else { throw .rlp(.trailingBytes) }
        self = envelope
    }

    /// Strictly decodes one envelope at the start of `input` and returns the bytes after it.
    /// The envelope's `encoded` is a slice of `input`; nothing is copied.
    public static func split(_ input: ArraySlice<UInt8>) throws(EnvelopeError) -> (envelope: Envelope, rest: ArraySlice<UInt8>) {
        let (items, rest) = try rlp { () throws(RLPError) in try RLP.splitList(input) }
        var remaining = items
        var fields: [ArraySlice<UInt8>] = []
        fields.reserveCapacity(5)
        while fields.count < 5, !remaining.isEmpty {
            let (content, after) = try rlp { () throws(RLPError) in try RLP.splitString(remaining) }
            fields.append(content)
            remaining = after
        }
        guard fields.count == 5 else { throw .wrongItemCount(fields.count) }
        if !remaining.isEmpty {
            throw .wrongItemCount(5 + (try rlp { () throws(RLPError) in try RLP.count(remaining) }))
        }
        let expiry = try rlp { () throws(RLPError) in try RLP.decodeUInt(fields[0], as: UInt32.self) }
        let ttl = try rlp { () throws(RLPError) in try RLP.decodeUInt(fields[1], as: UInt32.self) }
        guard let topic = Topic(bytes: fields[2]) else { throw .invalidTopicSize(fields[2].count) }
        let nonce = try rlp { () throws(RLPError) in try RLP.decodeUInt(fields[4], as: UInt64.self) }
        let envelope = Envelope(expiry: expiry, ttl: ttl, topic: topic, nonce: nonce,
                                encoded: input[input.startIndex..<rest.startIndex],
                                dataRange: fields[3].startIndex..<fields[3].endIndex)
        return (envelope, rest)
    }

    /// Runs an RLP step, reporting its failure as an envelope error.
    private static func rlp<T>(_ step: () throws(RLPError) -> T) throws(EnvelopeError) -> T {
        do {
            return try step()
        } catch {
            throw .rlp(error)
        }
    }

    /// Decodes a Whisper messages packet: an RLP list of envelopes.
    public static func decodePacket(_ bytes: [UInt8]) throws(EnvelopeError) -> [Envelope] {
        let (items, rest) = try rlp { () throws(RLPError) in try RLP.splitList(bytes[...]) }
        guard rest.isEmpty else { throw .rlp(.trailingBytes) }
        var envelopes: [Envelope] = []
        var remaining = items
        while !remaining.isEmpty {
            let (envelope, rest) = try split(remaining)
            envelopes.append(envelope)
            remaining = rest
        }
        return envelopes
    }

    /// Encodes envelopes as a messages packet (the RLP list of their encodings).
    public static func encodePacket<S: Sequence<Envelope>>(_ envelopes: S) -> [UInt8] {
        // The header first (the payload's length is known), then each encoding copied once.
        let payloadLength = envelopes.reduce(0) { $0 + $1.encoded.count }
        var out = RLPWriter.listHeader(payloadLength: payloadLength)
        out.reserveCapacity(out.count + payloadLength)
        for envelope in envelopes { out.append(contentsOf: envelope.encoded) }
        return out
    }

    private init(expiry: UInt32, ttl: UInt32, topic: Topic, nonce: UInt64,
                 encoded: ArraySlice<UInt8>, dataRange: Range<Int>) {
        self.expiry = expiry
        self.ttl = ttl
        self.topic = topic
        self.nonce = nonce
        self.encoded = encoded
        self.dataRange = dataRange
    }

    /// The same envelope with another nonce (re-encoded).
    public func withNonce(_ nonce: UInt64) -> Envelope {
        Envelope(expiry: expiry, ttl: ttl, topic: topic, data: data, nonce: nonce)
    }

    /// keccak256 of the encoding: the envelope's identity. Computed on each call.
    public var hash: Hash256 { Keccak256.hash(encoded) }

    /// When the envelope was sent: `expiry - ttl`, wrapping as go-ethereum's uint32 arithmetic does.
    @inlinable
    public var sentTime: UInt32 { expiry &- ttl }

    /// go-ethereum's size accounting: 20 + the payload length (not the RLP length).
    @inlinable
    public var size: Int { Envelope.headerLength + dataRange.count }

    /// The bloom of the envelope's topic.
    @inlinable
    public var bloom: Bloom { topic.bloom }

    /// The 4-item list `[Expiry, TTL, Topic, Data]` with its own header: the PoW's input.
    public var rlpWithoutNonce: [UInt8] {
        var bytes: [UInt8] = []
        appendRLPWithoutNonce(to: &bytes)
        return bytes
    }

    /// Appends `rlpWithoutNonce`: a new list header, then the first four items exactly as they
    /// are encoded (canonical, so no re-encoding is needed).
    func appendRLPWithoutNonce(to bytes: inout [UInt8]) {
        let first = encoded[encoded.startIndex]
        let outerHeader = first < 0xF8 ? 1 : 1 + Int(first - 0xF7)
        let items = encoded[(encoded.startIndex + outerHeader)..<dataRange.upperBound]
        bytes.reserveCapacity(bytes.count + RLPWriter.headerLength(payloadLength: items.count) + items.count + 8)
        RLPWriter.appendHeader(to: &bytes, payloadLength: items.count, shortBase: 0xC0)
        bytes.append(contentsOf: items)
    }

    /// keccak256(rlpWithoutNonce ++ nonce as 8 big-endian bytes).
    public var powHash: Hash256 { ProofOfWork.hash(rlpWithoutNonce: rlpWithoutNonce, nonce: nonce) }

    /// The envelope's proof of work, `2^lz / len(rlpWithoutNonce) / (ttl + diff)`.
    ///
    /// `diff` is 0 except when a live node sees an envelope sent slightly in the future
    /// (see `IngestPolicy`). A zero TTL with zero diff gives +infinity, as in go-ethereum;
    /// ingest refuses such envelopes.
    public func pow(diff: UInt32 = 0) -> Double {
        let prefix = rlpWithoutNonce
        let hash = ProofOfWork.hash(rlpWithoutNonce: prefix, nonce: nonce)
        return ProofOfWork.value(leadingZeros: hash.leadingZeroBitCount,
                                 rlpWithoutNonceLength: prefix.count, ttl: ttl, diff: diff)
    }

    public static func == (lhs: Envelope, rhs: Envelope) -> Bool {
        lhs.encoded.elementsEqual(rhs.encoded)
    }

    public func hash(into hasher: inout Hasher) {
        for byte in encoded { hasher.combine(byte) }
    }
}
