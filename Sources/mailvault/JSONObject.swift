/// A JSON object written in the order its fields were added, for output scripts can rely on.
struct JSONObject {
    private var fields: [(String, String)] = []

    mutating func add(_ key: String, _ value: String) {
        fields.append((key, JSONObject.quote(value)))
    }

    mutating func add<T: BinaryInteger>(_ key: String, _ value: T) {
        fields.append((key, String(value)))
    }

    /// Adds a float that parses back to the same `Double`; non-finite values become `null`.
    mutating func add(_ key: String, _ value: Double) {
        fields.append((key, value.isFinite ? "\(value)" : "null"))
    }

    var text: String {
        "{" + fields.map { "\(JSONObject.quote($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    static func quote(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
