import MailvaultAPI

/// A JSON value of the bench report. Objects keep their fields in the order they were added, so
/// the document reads the same on every run and scripts can diff two of them.
indirect enum BenchJSON {
    case object([(String, BenchJSON)])
    case array([BenchJSON])
    case string(String)
    case number(Double)
    case integer(Int)
    case bool(Bool)
    case null

    /// The document, indented by two spaces; arrays of scalars stay on one line.
    func rendered(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent)
        let inner = String(repeating: "  ", count: indent + 1)
        switch self {
        case .object(let fields):
            guard !fields.isEmpty else { return "{}" }
            let lines = fields.map { inner + JSONBuffer.quoted($0.0) + ": " + $0.1.rendered(indent: indent + 1) }
            return "{\n" + lines.joined(separator: ",\n") + "\n" + pad + "}"
        case .array(let items):
            guard !items.isEmpty else { return "[]" }
            if items.allSatisfy(\.isScalar) {
                return "[" + items.map { $0.rendered() }.joined(separator: ", ") + "]"
            }
            return "[\n" + items.map { inner + $0.rendered(indent: indent + 1) }.joined(separator: ",\n") + "\n" + pad + "]"
        case .string(let text):
            return JSONBuffer.quoted(text)
        case .number(let value):
            // JSON has no infinity or NaN.
            return value.isFinite ? "\(value)" : "null"
        case .integer(let value):
            return String(value)
        case .bool(let value):
            return value ? "true" : "false"
        case .null:
            return "null"
        }
    }

    private var isScalar: Bool {
        switch self {
        case .object, .array: false
        default: true
        }
    }
}
