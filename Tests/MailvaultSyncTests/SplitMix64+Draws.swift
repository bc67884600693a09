import MailvaultBench
import MailvaultCore

/// `mailvault bench`'s seeded generator (every random test is repeatable), with the draws these
/// tests make.
extension SplitMix64 {
    mutating func next(below bound: UInt64) -> UInt64 { next() % bound }

    mutating func hash() -> Hash256 { Hash256(w0: next(), w1: next(), w2: next(), w3: next()) }
}
