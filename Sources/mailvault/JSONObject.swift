import MailvaultAPI

/// A JSON object written in the order its fields were added, for output scripts can rely on.
struct JSONObject {
    private var fields: [(String, String)] = []

    mutating func add(_ key: String, _ value: String) {
        fields.append((key, JSONBuffer.quoted(value)))
    }

    mutating func add<T: BinaryInteger>(_ key: String, _ value: T) {
        fields.append((key, String(value)))
    }

    /// Adds a float that parses back to the same `Double`; non-finite values become `null`.
    mutating func add(_ key: String, _ value: Double) {
        fields.append((key, value.isFinite ? "\(value)" : "null"))
    }

    var text: String {
        "{" + fields.map { "\(JSONBuffer.quoted($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }
}
