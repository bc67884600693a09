/// Why the bench stopped: a sentence for the operator (a store that would not open, a baseline
/// command that failed, a directory that does not exist).
public struct BenchError: Error, CustomStringConvertible {
    /// The sentence.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
