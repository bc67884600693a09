/// SplitMix64 (also the tests' generator): deterministic payloads and topics, so every run of the
/// bench stores and hashes the same bytes. Random-looking payloads are what encrypted Status
/// messages are.
typealias BenchRandom = SplitMix64

extension SplitMix64 {
    /// A value in 0..<bound.
    mutating func next(below bound: UInt64) -> UInt64 {
        next() % bound
    }
}
