/// The parameters of an RFC 8292 `Authorization: vapid t=…, k=…` header value.
public struct VAPIDHeader: Sendable, Equatable {
    /// The JWT.
    public let t: String
    /// The sender's public key, URL-safe base64.
    public let k: String

    /// Parses `vapid t=<jwt>, k=<key>` (parameters in either order, comma-separated, spaces
    /// around them ignored; the scheme name case-insensitive). At most 4 KiB.
    public static func parse(_ value: String) throws(PushError) -> VAPIDHeader {
        guard value.utf8.count <= 4096 else { throw .malformedVAPID("longer than 4 KiB") }
        let trimmed = value.drop { $0 == " " }
        guard trimmed.count > 6, trimmed.prefix(6).lowercased() == "vapid " else {
            throw .malformedVAPID("the scheme is not vapid")
        }
        var t: String?
        var k: String?
        for parameter in trimmed.dropFirst(6).split(separator: ",") {
            let item = parameter.trimmingSpaces
            guard let equals = item.firstIndex(of: "=") else { throw .malformedVAPID("a parameter without '='") }
            let name = item[..<equals].lowercased()
            let text = String(item[item.index(after: equals)...])
            switch name {
            case "t":
                guard t == nil else { throw .malformedVAPID("t given twice") }
                t = text
            case "k":
                guard k == nil else { throw .malformedVAPID("k given twice") }
                k = text
            default: throw .malformedVAPID("unknown parameter \(name)")
            }
        }
        guard let t, !t.isEmpty else { throw .malformedVAPID("no t=") }
        guard let k, !k.isEmpty else { throw .malformedVAPID("no k=") }
        return VAPIDHeader(t: t, k: k)
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}
