/// The two DNS messages a TXT lookup needs (RFC 1035 §4): the query it sends and the parsed
/// answer. Pure: no I/O; every length is checked against the bytes present.
public enum DNSMessage {
    /// RFC 1035 TYPE TXT and CLASS IN.
    static let typeTXT: UInt16 = 16
    static let classIN: UInt16 = 1
    /// RFC 6891 OPT pseudo-record type; the UDP payload size advertised is the 1232 bytes
    /// DNS Flag Day 2020 recommends (no fragmentation on common paths).
    static let typeOPT: UInt16 = 41
    static let udpPayloadSize: UInt16 = 1232

    /// An answer to a TXT query.
    public struct Answer: Equatable, Sendable {
        /// The TC flag: the answer did not fit and must be asked again over TCP.
        public var truncated: Bool
        /// Each TXT record of the name, its character-strings joined.
        public var texts: [String]
    }

    /// A recursive TXT query for `name` with message id `id`, with an EDNS(0) OPT record.
    public static func query(id: UInt16, name: String) throws(DNSError) -> [UInt8] {
        var bytes: [UInt8] = []
        append16(id, to: &bytes)
        append16(0x0100, to: &bytes)  // RD: recursion desired, for a stub resolver's server
        for count: UInt16 in [1, 0, 0, 1] { append16(count, to: &bytes) }
        bytes += try encode(name: name)
        append16(typeTXT, to: &bytes)
        append16(classIN, to: &bytes)
        bytes.append(0)  // OPT: root owner name
        append16(typeOPT, to: &bytes)
        append16(udpPayloadSize, to: &bytes)
        bytes += [0, 0, 0, 0, 0, 0]  // extended rcode, version, flags, empty RDATA
        return bytes
    }

    /// The name in wire form (length-prefixed labels, then 0).
    static func encode(name: String) throws(DNSError) -> [UInt8] {
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        guard !trimmed.isEmpty, trimmed.utf8.count <= 253 else { throw .invalidName(name) }
        var bytes: [UInt8] = []
        for label in trimmed.split(separator: ".", omittingEmptySubsequences: false) {
            guard (1...63).contains(label.utf8.count) else { throw .invalidName(name) }
            bytes.append(UInt8(label.utf8.count))
            bytes += label.utf8
        }
        bytes.append(0)
        return bytes
    }

    /// Parses the answer to the query `id` for `name`: the header must answer that id with that
    /// question; NXDOMAIN and other error codes are thrown; TXT records owned by `name` are
    /// returned, other records ignored.
    public static func parse(_ message: [UInt8], id: UInt16, name: String) throws(DNSError) -> Answer {
        var reader = Reader(bytes: message)
        guard message.count >= 12 else { throw .malformedResponse("shorter than a header") }
        let answerID = try reader.read16()
        let flags = try reader.read16()
        let questions = try reader.read16()
        let answers = try reader.read16()
        _ = try reader.read16()
        _ = try reader.read16()
        guard answerID == id else { throw .malformedResponse("answer id \(answerID) for query id \(id)") }
        guard flags & 0x8000 != 0, (flags >> 11) & 0xF == 0 else { throw .malformedResponse("not an answer to a query") }
        let wanted = name.lowercased().hasSuffix(".") ? String(name.lowercased().dropLast()) : name.lowercased()
        let truncated = flags & 0x0200 != 0
        guard questions == 1 else { throw .malformedResponse("\(questions) questions in the answer") }
        let question = try reader.readName()
        let questionType = try reader.read16()
        let questionClass = try reader.read16()
        guard question == wanted, questionType == typeTXT, questionClass == classIN else {
            throw .malformedResponse("the answer is for another question (\(question))")
        }
        let rcode = UInt8(flags & 0xF)
        if rcode == 3 { throw .nameNotFound(name) }
        guard rcode == 0 else { throw .serverFailure(name: name, rcode: rcode) }
        if truncated { return Answer(truncated: true, texts: []) }
        var texts: [String] = []
        for _ in 0..<answers {
            let owner = try reader.readName()
            let type = try reader.read16()
            let recordClass = try reader.read16()
            _ = try reader.read32()
            let length = Int(try reader.read16())
            let data = try reader.take(length)
            guard owner == wanted, type == typeTXT, recordClass == classIN else { continue }
            var text: [UInt8] = []
            var index = data.startIndex
            while index < data.endIndex {
                let count = Int(data[index])
                guard data.endIndex - index - 1 >= count else { throw .malformedResponse("a TXT string runs past its record") }
                text += data[(index + 1)..<(index + 1 + count)]
                index += 1 + count
            }
            guard let string = String(validating: text, as: UTF8.self) else { throw .malformedResponse("a TXT record is not UTF-8") }
            texts.append(string)
        }
        return Answer(truncated: false, texts: texts)
    }

    private static func append16(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }

    /// A bounds-checked cursor over a message.
    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func take(_ count: Int) throws(DNSError) -> ArraySlice<UInt8> {
            guard count <= bytes.count - offset else { throw .malformedResponse("a field runs past the message") }
            defer { offset += count }
            return bytes[offset..<(offset + count)]
        }

        mutating func read16() throws(DNSError) -> UInt16 {
            let field = try take(2)
            return UInt16(field[field.startIndex]) << 8 | UInt16(field[field.startIndex + 1])
        }

        mutating func read32() throws(DNSError) -> UInt32 {
            UInt32(try read16()) << 16 | UInt32(try read16())
        }

        /// A name, lower case, dot-separated, compression pointers followed (at most 64, so
        /// that a pointer loop ends).
        mutating func readName() throws(DNSError) -> String {
            var labels: [String] = []
            var position = offset
            var jumps = 0
            var end: Int?
            while true {
                guard position < bytes.count else { throw .malformedResponse("a name runs past the message") }
                let length = Int(bytes[position])
                if length & 0xC0 == 0xC0 {
                    guard position + 1 < bytes.count else { throw .malformedResponse("a truncated name pointer") }
                    jumps += 1
                    guard jumps <= 64 else { throw .malformedResponse("a name pointer loop") }
                    if end == nil { end = position + 2 }
                    position = (length & 0x3F) << 8 | Int(bytes[position + 1])
                    continue
                }
                guard length & 0xC0 == 0 else { throw .malformedResponse("an unknown label type") }
                if length == 0 {
                    offset = end ?? position + 1
                    return labels.joined(separator: ".")
                }
                guard position + 1 + length <= bytes.count else { throw .malformedResponse("a label runs past the message") }
                labels.append(String(decoding: bytes[(position + 1)...(position + length)], as: UTF8.self).lowercased())
                guard labels.count <= 128 else { throw .malformedResponse("a name with too many labels") }
                position += 1 + length
            }
        }
    }
}
