import AsyncHTTPClient
import Foundation
import MailvaultCore
import NIOCore

/// Why a call to the Ethereum node failed.
public enum ChainError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No answer within the time allowed, or no connection.
    case unreachable(String)
    /// The node answered with a JSON-RPC error, or something that is not a JSON-RPC answer.
    case badAnswer(String)

    public var description: String {
        switch self {
        case .unreachable(let reason): "the Ethereum JSON-RPC endpoint did not answer: \(reason)"
        case .badAnswer(let reason): "the Ethereum JSON-RPC endpoint answered badly: \(reason)"
        }
    }
}

/// The one JSON-RPC call a node selling subscriptions needs: `eth_call` against the latest block
/// (Ethereum JSON-RPC specification), over one HTTP client, each call bounded in time.
public final class EthereumRPC: Sendable {
    /// The endpoint (`http://` or `https://`), the operator's own.
    public let url: String
    private let http: HTTPClient
    private let timeout: Duration

    /// A client of `url`; each call gives up after `timeout`.
    public init(url: String, timeout: Duration = .seconds(5)) {
        self.url = url
        self.timeout = timeout
        var settings = HTTPClient.Configuration()
        settings.redirectConfiguration = .disallow
        settings.timeout = .init(connect: .seconds(5))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
    }

    /// The return data of calling `contract` with `data` (read-only, at the latest block).
    public func call(_ contract: [UInt8], data: [UInt8]) async throws(ChainError) -> [UInt8] {
        let params = #"[{"data":"\#(Hex.encode(data, prefix: true))","to":"\#(Hex.encode(contract, prefix: true))"},"latest"]"#
        guard let result = try await request("eth_call", params: params) as? String, let bytes = try? Hex.decode(result) else {
            throw .badAnswer("no hex result")
        }
        return bytes
    }

    /// The logs `contract` emitted from `fromBlock` to the latest block whose first topic is one
    /// of `events` (keccak256 of an event's signature), in chain order (`eth_getLogs`).
    public func logs(_ contract: [UInt8], events: [Hash256], fromBlock: UInt64 = 0) async throws(ChainError) -> [EthereumLog] {
        let topics = events.map { "\"\($0)\"" }.joined(separator: ",")
        let params = #"[{"address":"\#(Hex.encode(contract, prefix: true))","fromBlock":"0x\#(String(fromBlock, radix: 16))","toBlock":"latest","topics":[[\#(topics)]]}]"#
        guard let entries = try await request("eth_getLogs", params: params) as? [[String: Any]] else {
            throw .badAnswer("eth_getLogs did not answer a list")
        }
        var logs: [EthereumLog] = []
        for entry in entries {
            guard let topics = (entry["topics"] as? [String])?.compactMap({ try? Hash256(hex: $0) }),
                  let data = (entry["data"] as? String).flatMap({ try? Hex.decode($0) }),
                  let block = (entry["blockNumber"] as? String).flatMap(EthereumRPC.quantity),
                  let index = (entry["logIndex"] as? String).flatMap(EthereumRPC.quantity) else {
                throw .badAnswer("a log without topics, data, blockNumber or logIndex")
            }
            if entry["removed"] as? Bool == true { continue }
            logs.append(EthereumLog(topics: topics, data: data, block: block, index: index))
        }
        return logs.sorted { ($0.block, $0.index) < ($1.block, $1.index) }
    }

    /// A JSON-RPC quantity (`0x`-prefixed hex, no leading zeros).
    static func quantity(_ text: String) -> UInt64? {
        guard text.hasPrefix("0x") else { return nil }
        return UInt64(text.dropFirst(2), radix: 16)
    }

    private func request(_ method: String, params: String) async throws(ChainError) -> Any {
        let body = #"{"id":1,"jsonrpc":"2.0","method":"\#(method)","params":\#(params)}"#
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let answer: ByteBuffer
        do {
            let seconds = Int64(timeout.components.seconds) + (timeout.components.attoseconds > 0 ? 1 : 0)
            let response = try await http.execute(request, timeout: .seconds(seconds))
            guard response.status == .ok else { throw ChainError.badAnswer("HTTP \(response.status.code)") }
            answer = try await response.body.collect(upTo: 16 << 20)
        } catch let error as ChainError {
            throw error
        } catch {
            throw .unreachable("\(error)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(answer.readableBytesView))) as? [String: Any] else {
            throw .badAnswer("not a JSON object")
        }
        if let failure = object["error"] as? [String: Any] {
            throw .badAnswer("\(failure["message"] ?? "an error")")
        }
        guard let result = object["result"] else { throw .badAnswer("no result") }
        return result
    }

    /// Closes the client's connections.
    public func shutdown() async {
        try? await http.shutdown()
    }
}

/// One log entry: its topics (the event's signature hash first, then the indexed arguments), its
/// data (the other arguments, ABI-encoded), and where it is in the chain.
public struct EthereumLog: Sendable, Equatable {
    public var topics: [Hash256]
    public var data: [UInt8]
    public var block: UInt64
    public var index: UInt64
}
