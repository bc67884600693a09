import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A small HTTP listener that records every request it gets (path, headers, body, when it
/// arrived) and answers 200: where `PushProbe` has providers deliver their probe webhooks.
/// Bodies beyond 64 KiB are cut off (a probe notification is about 160 bytes).
public final class ProbeReceiver: Sendable {
    /// One request as it arrived.
    public struct Arrival: Sendable {
        /// The request's path (without the query).
        public var path: String
        /// Header names lowercased; of a repeated header, the last value.
        public var headers: [String: String]
        public var body: [UInt8]
        /// When its last byte was read.
        public var at: ContinuousClock.Instant
    }

    /// The largest body recorded.
    public static let maximumBody = 64 << 10

    private let channel: any Channel
    private let arrivals: Arrivals

    /// The port it listens on.
    public let port: Int

    final class Arrivals: Sendable {
        let list = Mutex<[Arrival]>([])
    }

    /// Listens on `host:port` (0 picks a free port).
    public init(host: String, port: Int) async throws {
        let arrivals = Arrivals()
        self.arrivals = arrivals
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.backlog, value: 64)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(Recorder(arrivals: arrivals))
                }
            }
        channel = try await bootstrap.bind(host: host, port: port).get()
        self.port = channel.localAddress?.port ?? port
    }

    /// Every request so far, oldest first.
    public var received: [Arrival] {
        arrivals.list.withLock { $0 }
    }

    /// Stops listening.
    public func close() async {
        try? await channel.close()
    }

    final class Recorder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let arrivals: Arrivals
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(arrivals: Arrivals) {
            self.arrivals = arrivals
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let request):
                head = request
                body = []
            case .body(var buffer):
                let room = ProbeReceiver.maximumBody - body.count
                if room > 0, let bytes = buffer.readBytes(length: min(room, buffer.readableBytes)) { body += bytes }
            case .end:
                guard let request = head else { return }
                var headers: [String: String] = [:]
                for (name, value) in request.headers { headers[name.lowercased()] = value }
                let path = String(request.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                let arrival = Arrival(path: path, headers: headers, body: body, at: .now)
                arrivals.list.withLock { $0.append(arrival) }
                head = nil
                var answer = HTTPHeaders()
                answer.add(name: "Content-Length", value: "0")
                answer.add(name: "Connection", value: "close")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: .ok, headers: answer))),
                              promise: nil)
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
            }
        }
    }
}
