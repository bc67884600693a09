import Foundation
import MailvaultAccountability
import MailvaultCore
import Synchronization

/// What a node selling subscriptions knows of its users' payments, read from the registry
/// contract (Contracts/ProviderRegistry.vy, Docs/Incentives.md) with `eth_call` and cached.
///
/// A lookup never holds a request longer than `lookupBound`: an answer fresher than
/// `cacheLifetime` is used at once; otherwise the contract is asked (one call per user at a
/// time, shared by concurrent requests), and if it has not answered within the bound, the last
/// answer is used when it is younger than `maximumStaleness`, else the status is `unknown`. A late
/// answer still fills the cache for the next request.
public final class SubscriptionLedger: Sendable {
    /// A user's standing.
    public enum Status: Sendable, Equatable {
        /// Paid until this Unix time (after `now`).
        case paid(until: UInt64)
        /// Never paid, or paid time is over.
        case unpaid
        /// The contract could not be asked in time and nothing recent enough is known.
        case unknown
    }

    /// What the contract says the provider sells.
    public struct Terms: Sendable, Equatable {
        /// The price of one period, in the token's smallest unit, as a decimal string.
        public var price: String
        /// The period, in seconds.
        public var period: UInt64
        /// The ERC-20 token paid in.
        public var token: String
    }

    /// The registry contract's address.
    public let contract: ProviderAddress
    /// The provider (this node's key) whose subscriptions count.
    public let provider: ProviderAddress
    private let rpc: EthereumRPC
    private let cacheLifetime: Double
    private let maximumStaleness: Double
    private let lookupBound: Duration
    private let clock: @Sendable () -> Double
    private let known = Mutex<[ProviderAddress: (paidUntil: UInt64, fetched: Double)]>([:])
    private let pending = Mutex<[ProviderAddress: Task<UInt64?, Never>]>([:])

    /// A ledger of `provider`'s subscribers in `contract`, read through `rpc`.
    public init(rpc: EthereumRPC, contract: ProviderAddress, provider: ProviderAddress, cacheLifetime: Double = 60,
                maximumStaleness: Double = 600, lookupBound: Duration = .seconds(1),
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.rpc = rpc
        self.contract = contract
        self.provider = provider
        self.cacheLifetime = cacheLifetime
        self.maximumStaleness = maximumStaleness
        self.lookupBound = lookupBound
        self.clock = clock
    }

    /// The provider's terms: `providers(provider)` (its `price`, the fifth field), `period()` and
    /// `token()`.
    public func terms() async throws(ChainError) -> Terms {
        let record = try await rpc.call(contract.bytes, data: ABIValue.call("providers(address)", [.address(provider.bytes)]))
        let period = try await rpc.call(contract.bytes, data: ABIValue.call("period()", []))
        let token = try await rpc.call(contract.bytes, data: ABIValue.call("token()", []))
        guard record.count >= 6 * 32, period.count == 32, token.count == 32 else {
            throw .badAnswer("the registry's answers are not the expected words")
        }
        guard period[0..<24].allSatisfy({ $0 == 0 }) else { throw .badAnswer("the period does not fit 64 bits") }
        return Terms(price: SubscriptionLedger.decimal(Array(record[128..<160])),
                     period: period[24..<32].reduce(0) { $0 << 8 | UInt64($1) },
                     token: Hex.encode(token[12..<32], prefix: true))
    }

    /// `user`'s standing at `now`, within the lookup bound.
    public func status(of user: ProviderAddress) async -> Status {
        let now = clock()
        let cached = known.withLock { $0[user] }
        if let cached, now - cached.fetched < cacheLifetime { return SubscriptionLedger.standing(cached.paidUntil, now: now) }
        let task = pending.withLock { lookups in
            if let running = lookups[user] { return running }
            let task = Task { [self] () -> UInt64? in
                defer { _ = self.pending.withLock { $0.removeValue(forKey: user) } }
                guard let paidUntil = try? await paidUntil(user) else { return nil }
                known.withLock { known in
                    // Bounded: a cache of every address ever seen would grow without end.
                    if known.count >= 100_000 { known.removeAll(keepingCapacity: true) }
                    known[user] = (paidUntil, clock())
                }
                return paidUntil
            }
            lookups[user] = task
            return task
        }
        // Whichever comes first: the lookup's answer, or the bound. The lookup goes on after the
        // bound, and fills the cache when it ends.
        let answer: UInt64? = await withCheckedContinuation { continuation in
            let resumed = Mutex(false)
            let resume: @Sendable (UInt64?) -> Void = { value in
                if resumed.withLock({ done in defer { done = true }; return !done }) { continuation.resume(returning: value) }
            }
            Task { resume(await task.value) }
            Task { [lookupBound] in
                try? await Task.sleep(for: lookupBound)
                resume(nil)
            }
        }
        if let answer { return SubscriptionLedger.standing(answer, now: clock()) }
        if let cached, now - cached.fetched < maximumStaleness { return SubscriptionLedger.standing(cached.paidUntil, now: now) }
        return .unknown
    }

    private func paidUntil(_ user: ProviderAddress) async throws(ChainError) -> UInt64 {
        let word = try await rpc.call(contract.bytes, data: ABIValue.call("paid_until(address,address)",
                                                                         [.address(user.bytes), .address(provider.bytes)]))
        guard word.count == 32 else { throw .badAnswer("paid_until is not one word") }
        // A time beyond 64 bits is forever.
        guard word[0..<24].allSatisfy({ $0 == 0 }) else { return .max }
        return word[24..<32].reduce(0) { $0 << 8 | UInt64($1) }
    }

    private static func standing(_ paidUntil: UInt64, now: Double) -> Status {
        Double(paidUntil) > now ? .paid(until: paidUntil) : .unpaid
    }

    /// A big-endian unsigned integer in decimal.
    static func decimal(_ bytes: [UInt8]) -> String {
        var digits: [UInt8] = []
        var number = Array(bytes.drop { $0 == 0 })
        while !number.isEmpty {
            var remainder = 0
            var quotient: [UInt8] = []
            for byte in number {
                let value = remainder << 8 | Int(byte)
                let digit = value / 10
                remainder = value % 10
                if !quotient.isEmpty || digit != 0 { quotient.append(UInt8(digit)) }
            }
            digits.append(UInt8(remainder))
            number = quotient
        }
        return digits.isEmpty ? "0" : String(decoding: digits.reversed().map { $0 + 0x30 }, as: UTF8.self)
    }
}
