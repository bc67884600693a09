import Foundation
import MailvaultCore

/// The body of `POST /v1/envelopes`: an RLP list of envelopes (`application/x-rlp`, the
/// Whisper messages packet) or `{"envelopes":[{"expiry","ttl","topic","data","nonce"}, ...]}`
/// (`application/json`).
///
/// Decoding is all or nothing: one malformed envelope refuses the whole body, so that a client
/// never has to work out which half of its batch was taken.
public enum IngestBody {
    /// The media type of RLP bodies and answers.
    public static let rlpMediaType = "application/x-rlp"
    /// The media type of JSON bodies and answers.
    public static let jsonMediaType = "application/json"

    /// The envelopes of a body in the format `contentType` names (parameters such as
    /// `; charset=utf-8` are ignored).
    public static func decode(_ body: [UInt8], contentType: String?) throws(APIError) -> [Envelope] {
        switch ContentNegotiation.essence(of: contentType) {
        case rlpMediaType: return try decodeRLP(body)
        case jsonMediaType: return try decodeJSON(body)
        default: throw .unsupportedMediaType(contentType, accepted: [rlpMediaType, jsonMediaType])
        }
    }

    /// An RLP list of envelopes; every envelope must pass the strict decoder.
    public static func decodeRLP(_ body: [UInt8]) throws(APIError) -> [Envelope] {
        do {
            return try Envelope.decodePacket(body)
        } catch {
            throw APIError(status: 400, code: "malformedRLP",
                           message: "the body is not an RLP list of envelopes: \(error) (rule \(error.code))")
        }
    }

    /// `{"envelopes":[...]}` with each envelope's fields as the API documents them: `expiry`,
    /// `ttl` (integers 0…2³²−1), `topic` (4 bytes of hex), `data` (hex), `nonce` (integer
    /// 0…2⁶⁴−1). Unknown fields are refused.
    public static func decodeJSON(_ body: [UInt8]) throws(APIError) -> [Envelope] {
        try JSONErrors.decode(Body.self, from: body).envelopes.map(\.envelope)
    }

    private struct Body: Decodable {
        var envelopes: [JSONEnvelope]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: JSONKey.self)
            try JSONErrors.requireOnly(["envelopes"], in: container)
            envelopes = try JSONErrors.field([JSONEnvelope].self, "envelopes", in: container)
        }
    }

    private struct JSONEnvelope: Decodable {
        var envelope: Envelope

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: JSONKey.self)
            try JSONErrors.requireOnly(["expiry", "ttl", "topic", "data", "nonce"], in: container)
            let expiry = try JSONErrors.field(UInt32.self, "expiry", in: container)
            let ttl = try JSONErrors.field(UInt32.self, "ttl", in: container)
            let nonce = try JSONErrors.field(UInt64.self, "nonce", in: container)
            let topicPath = JSONErrors.path(container.codingPath + [JSONKey("topic")])
            let topicBytes = try JSONErrors.hex(try JSONErrors.field(String.self, "topic", in: container), field: topicPath)
            guard let topic = Topic(bytes: topicBytes) else {
                throw APIError.malformedBody("a topic is 4 bytes, got \(topicBytes.count)", field: topicPath)
            }
            let dataPath = JSONErrors.path(container.codingPath + [JSONKey("data")])
            let data = try JSONErrors.hex(try JSONErrors.field(String.self, "data", in: container), field: dataPath)
            envelope = Envelope(expiry: expiry, ttl: ttl, topic: topic, data: data, nonce: nonce)
        }
    }
}

/// Media types as HTTP headers carry them.
public enum ContentNegotiation {
    /// The part of a `Content-Type` value before its parameters, lowercased.
    public static func essence(of value: String?) -> String? {
        guard let value else { return nil }
        return String(essence(of: value.utf8[...]))
    }

    /// Whether an `Accept` header lists `mediaType` (exactly, parameters ignored).
    public static func accepts(_ accept: String?, _ mediaType: String) -> Bool {
        guard let accept else { return false }
        return accept.utf8.split(separator: UInt8(ascii: ",")).contains { essence(of: $0) == mediaType }
    }

    /// The media type in one header item: before any `;`, without surrounding spaces and tabs,
    /// lowercased (ASCII, as media types are). Bytes only: no Foundation on the request path.
    private static func essence(of item: Substring.UTF8View) -> Substring {
        let bare = item.split(separator: UInt8(ascii: ";"), maxSplits: 1, omittingEmptySubsequences: false).first ?? item
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard let first = bare.firstIndex(where: { !blank($0) }), let last = bare.lastIndex(where: { !blank($0) }) else {
            return ""
        }
        let trimmed = Substring(bare[first...last])
        return trimmed.utf8.contains(where: { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) })
            ? Substring(trimmed.lowercased()) : trimmed
    }
}

/// A JSON object key of any name, so that decoders can see (and refuse) unexpected fields.
struct JSONKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(_ name: String) {
        stringValue = name
    }

    init?(stringValue: String) {
        self.stringValue = stringValue
    }

    init?(intValue: Int) {
        stringValue = "\(intValue)"
        self.intValue = intValue
    }
}

/// Turns Foundation's decoding errors into API errors that name the field at fault.
enum JSONErrors {
    static func requireOnly(_ allowed: Set<String>, in container: KeyedDecodingContainer<JSONKey>) throws {
        if let unknown = container.allKeys.first(where: { !allowed.contains($0.stringValue) }) {
            throw APIError.malformedBody("unknown field '\(unknown.stringValue)' (expected \(allowed.sorted().joined(separator: ", ")))",
                                         field: path(container.codingPath + [unknown]))
        }
    }

    /// Decodes a whole body, every failure an API error.
    static func decode<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws(APIError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch let error as APIError {
            throw error
        } catch let error as DecodingError {
            throw apiError(error)
        } catch {
            throw .malformedBody("the body is not valid JSON")
        }
    }

    /// Decodes one field, naming it in the error whatever Foundation's error says (its errors
    /// for out-of-range numbers carry no coding path).
    static func field<T: Decodable>(_ type: T.Type, _ name: String, in container: KeyedDecodingContainer<JSONKey>) throws(APIError) -> T {
        let path = path(container.codingPath + [JSONKey(name)])
        do {
            return try container.decode(type, forKey: JSONKey(name))
        } catch let error as APIError {
            throw error
        } catch DecodingError.keyNotFound {
            throw .malformedBody("\(path) is missing", field: path)
        } catch DecodingError.valueNotFound {
            throw .malformedBody("\(path) is null (expected \(describe(type)))", field: path)
        } catch {
            throw .malformedBody("\(path) must be \(describe(type))", field: path)
        }
    }

    static func hex(_ text: String, field: String) throws(APIError) -> [UInt8] {
        do {
            return try Hex.decode(text)
        } catch {
            throw .malformedBody("\(field) is not valid hex: \(error)", field: field)
        }
    }

    /// `envelopes[3].topic` for a coding path.
    static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out
    }

    static func apiError(_ error: DecodingError) -> APIError {
        switch error {
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            return .malformedBody("\(field.isEmpty ? "the body" : field) has the wrong type (expected \(describe(type)))",
                                  field: field.isEmpty ? nil : field)
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            return .malformedBody("\(field) is null (expected \(describe(type)))", field: field)
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return .malformedBody("\(field) is missing", field: field)
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if field.isEmpty { return .malformedBody("the body is not valid JSON") }
            return .malformedBody("\(field) is out of range or malformed", field: field)
        @unknown default:
            return .malformedBody("the body is not valid JSON")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is UInt32.Type: "an integer from 0 to \(UInt32.max)"
        case is UInt64.Type: "an integer from 0 to \(UInt64.max)"
        case is String.Type: "a string"
        default: "\(type)".contains("Array") ? "an array" : "an object"
        }
    }
}
