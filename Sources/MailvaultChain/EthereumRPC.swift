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
        let body = #"{"id":1,"jsonrpc":"2.0","method":"eth_call","params":[{"data":"\#(Hex.encode(data, prefix: true))","to":"\#(Hex.encode(contract, prefix: true))"},"latest"]}"#
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let answer: ByteBuffer
        do {
            let seconds = Int64(timeout.components.seconds) + (timeout.components.attoseconds > 0 ? 1 : 0)
            let response = try await http.execute(request, timeout: .seconds(seconds))
            guard response.status == .ok else { throw ChainError.badAnswer("HTTP \(response.status.code)") }
            answer = try await response.body.collect(upTo: 1 << 20)
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
        guard let result = object["result"] as? String, let bytes = try? Hex.decode(result) else {
            throw .badAnswer("no hex result")
        }
        return bytes
    }

    /// Closes the client's connections.
    public func shutdown() async {
        try? await http.shutdown()
    }
}
