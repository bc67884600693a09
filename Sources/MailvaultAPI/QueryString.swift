/// The parameters of a URL query string (`a=1&b=2`), percent-decoded, each name at most once.
///
/// Repeating a parameter is refused rather than guessed at (first? last? both?); lists such as
/// `topics` are written once, comma-separated.
public struct QueryString: Sendable {
    /// The parameters in the order they appeared.
    public private(set) var fields: [(name: String, value: String)] = []

    /// Parses the part of a URL after `?` (without the `?`). `+` means a space, as in HTML forms.
    public init(_ raw: some StringProtocol) throws(APIError) {
        for part in Substring(raw).utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = part.firstIndex(of: UInt8(ascii: "="))
            let rawName = equals.map { part[..<$0] } ?? part[...]
            let rawValue = equals.map { part[part.index(after: $0)...] } ?? part[part.endIndex...]
            guard let name = QueryString.percentDecoded(rawName) else {
                throw .invalidParameter(String(decoding: rawName, as: UTF8.self), "the name is not valid percent-encoded UTF-8")
            }
            guard let value = QueryString.percentDecoded(rawValue) else {
                throw .invalidParameter(name, "the value is not valid percent-encoded UTF-8")
            }
            guard !fields.contains(where: { $0.name == name }) else {
                throw APIError(status: 400, code: "duplicateParameter",
                               message: "\(name) is given more than once; write lists once, comma-separated",
                               parameter: name)
            }
            fields.append((name, value))
        }
    }

    /// The value of `name`, or `nil` when it is absent.
    public subscript(name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// Refuses any parameter whose name is not in `allowed`, so that a misspelt parameter is
    /// reported instead of silently widening a query.
    public func requireOnly(_ allowed: Set<String>) throws(APIError) {
        if let unknown = fields.first(where: { !allowed.contains($0.name) }) {
            let expected = allowed.isEmpty ? "this endpoint takes no parameters"
                                           : "expected one of: \(allowed.sorted().joined(separator: ", "))"
            throw APIError(status: 400, code: "unknownParameter",
                           message: "\(unknown.name) is not a parameter of this endpoint (\(expected))",
                           parameter: unknown.name)
        }
    }

    private static func percentDecoded(_ input: Substring.UTF8View.SubSequence) -> String? {
        // Most values (numbers, hex) have nothing to decode and are valid UTF-8 as they are.
        if !input.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) {
            return String(Substring(input))
        }
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var index = input.startIndex
        while index < input.endIndex {
            let byte = input[index]
            switch byte {
            case UInt8(ascii: "%"):
                let high = input.index(after: index)
                guard high < input.endIndex else { return nil }
                let low = input.index(after: high)
                guard low < input.endIndex, let h = hexValue(input[high]), let l = hexValue(input[low]) else { return nil }
                out.append(h << 4 | l)
                index = input.index(after: low)
                continue
            case UInt8(ascii: "+"):
                out.append(UInt8(ascii: " "))
            default:
                out.append(byte)
            }
            index = input.index(after: index)
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hexValue(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): char - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
