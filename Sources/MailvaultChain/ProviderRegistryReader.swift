import MailvaultAccountability
import MailvaultCore

/// The providers registered in the registry contract (Contracts/ProviderRegistry.vy), as its
/// events and its state tell: the endpoint from the latest `Registered` or `Updated` event, and
/// the operator, stake, descriptor digest, unbonding time and price from `providers(provider)`.
public struct ProviderRegistryReader: Sendable {
    /// A registered provider as the chain records it.
    public struct Registered: Sendable, Equatable {
        /// The provider key's address.
        public var provider: ProviderAddress
        /// Who manages the registration.
        public var `operator`: String
        /// The endpoint in its latest event.
        public var endpoint: String
        /// The stake, in the token's smallest unit, decimal.
        public var stake: String
        /// The registered digest of its signed descriptor.
        public var descriptor: Hash256
        /// When it asked to leave (0: bonded).
        public var unbondingSince: UInt64
        /// Its subscription price per period, decimal (0: not selling).
        public var price: String
        /// `is_active(provider)`: bonded and staked at least the minimum.
        public var active: Bool
    }

    /// The registry's address.
    public let contract: ProviderAddress
    private let rpc: EthereumRPC

    /// A reader of `contract` through `rpc`.
    public init(rpc: EthereumRPC, contract: ProviderAddress) {
        self.rpc = rpc
        self.contract = contract
    }

    static let registeredEvent = Keccak256.hash(Array("Registered(address,address,string,bytes32,uint256)".utf8))
    static let updatedEvent = Keccak256.hash(Array("Updated(address,string,bytes32)".utf8))

    /// Every provider still registered (a withdrawn one's record is empty), in the order of
    /// first registration.
    public func providers(fromBlock: UInt64 = 0) async throws(ChainError) -> [Registered] {
        let logs = try await rpc.logs(contract.bytes, events: [Self.registeredEvent, Self.updatedEvent], fromBlock: fromBlock)
        var endpoints: [ProviderAddress: String] = [:]
        var order: [ProviderAddress] = []
        for log in logs {
            guard log.topics.count >= 2, let provider = ProviderRegistryReader.address(log.topics[1].bytes) else {
                throw .badAnswer("a registry event without its provider topic")
            }
            // Both events start their data with the endpoint string.
            guard let endpoint = ProviderRegistryReader.string(at: 0, in: log.data) else {
                throw .badAnswer("a registry event whose endpoint does not decode")
            }
            if endpoints[provider] == nil { order.append(provider) }
            endpoints[provider] = endpoint
        }
        var registered: [Registered] = []
        for provider in order {
            let record = try await rpc.call(contract.bytes, data: ABIValue.call("providers(address)", [.address(provider.bytes)]))
            let active = try await rpc.call(contract.bytes, data: ABIValue.call("is_active(address)", [.address(provider.bytes)]))
            guard record.count >= 6 * 32, active.count == 32 else { throw .badAnswer("providers(address) is not six words") }
            let operatorWord = Array(record[0..<32])
            guard operatorWord.contains(where: { $0 != 0 }) else { continue } // withdrawn
            registered.append(Registered(
                provider: provider, operator: Hex.encode(operatorWord[12...], prefix: true), endpoint: endpoints[provider] ?? "",
                stake: SubscriptionLedger.decimal(Array(record[32..<64])), descriptor: Hash256(bytes: Array(record[64..<96]))!,
                unbondingSince: ProviderRegistryReader.uint64(Array(record[96..<128])),
                price: SubscriptionLedger.decimal(Array(record[128..<160])), active: active[31] == 1))
        }
        return registered
    }

    static func address(_ word: [UInt8]) -> ProviderAddress? {
        guard word.count == 32, word[0..<12].allSatisfy({ $0 == 0 }) else { return nil }
        return try? ProviderAddress(hex: Hex.encode(word[12...]))
    }

    static func uint64(_ word: [UInt8]) -> UInt64 {
        word[0..<24].allSatisfy { $0 == 0 } ? word[24..<32].reduce(0) { $0 << 8 | UInt64($1) } : .max
    }

    /// The ABI `string` whose offset is the head word at `index` of `data`; nil when it does not
    /// fit `data` or is not UTF-8 (the registry bounds endpoints; 4 KiB is generous).
    static func string(at index: Int, in data: [UInt8]) -> String? {
        let head = index * 32
        guard data.count >= head + 32 else { return nil }
        let offset = uint64(Array(data[head..<head + 32]))
        guard offset <= UInt64(data.count), data.count - Int(offset) >= 32 else { return nil }
        let start = Int(offset)
        let length = uint64(Array(data[start..<start + 32]))
        guard length <= 4096, data.count - start - 32 >= Int(length) else { return nil }
        return String(validating: data[start + 32..<start + 32 + Int(length)], as: UTF8.self)
    }
}
