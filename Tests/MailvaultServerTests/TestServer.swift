import Foundation
import Logging
import MailvaultAccountability
import MailvaultCore
import MailvaultNode
import MailvaultServer
import MailvaultStore
import ServiceLifecycle
import Synchronization

/// A real `MailvaultServer` on a free loopback port over a store in a temporary directory.
final class TestServer: Sendable {
    /// The clock every test server runs on, so that envelopes built by tests are on time.
    static let now: UInt32 = 1_700_000_000

    let store: EnvelopeStore
    let directory: String
    let port: Int
    let client: HTTPTestClient
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// A server over a new store, or over what `archive` makes of it (a withholding wrapper), on
    /// `clock` (the fixed test time unless told otherwise).
    static func start(_ configure: (inout ServerConfiguration) -> Void = { _ in },
                      archive wrap: (EnvelopeStore) -> any Archive = { $0 },
                      clock: @escaping @Sendable () -> UInt32 = { TestServer.now }) async throws -> TestServer {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.minimumPoW = 0
        configuration.providerKey = ProviderKey.generate()
        configure(&configuration)
        let directory = NSTemporaryDirectory() + "mailvault-server-\(UUID().uuidString)"
        configuration.dataDirectory = directory
        let store = try EnvelopeStore.open(at: directory, configuration: configuration.store)
        var logger = Logger(label: "test-server")
        logger.logLevel = .warning
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = MailvaultServer(configuration: configuration, archive: wrap(store), logger: logger,
                                     clock: clock, onListening: { continuation.yield($0) })
        let group = ServiceGroup(configuration: .init(services: [server], logger: logger))
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("the server did not start") }
        return TestServer(store: store, directory: directory, port: port, group: group, task: task)
    }

    private init(store: EnvelopeStore, directory: String, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.store = store
        self.directory = directory
        self.port = port
        self.group = group
        self.task = task
        client = HTTPTestClient(port: port)
    }

    /// Graceful shutdown, as on SIGTERM; then the store is closed.
    func stop(removing: Bool = true) async throws {
        await group.triggerGracefulShutdown()
        try await task.value
        store.close()
        if removing { try? FileManager.default.removeItem(atPath: directory) }
    }
}

/// Envelopes the tests post: on time for `TestServer.now`, distinct by payload.
enum Fixtures {
    static let topic = Topic(0xde, 0xad, 0xbe, 0xef)

    static func envelope(_ index: Int, topic: Topic = Fixtures.topic, sentOffset: Int = 0, size: Int = 64) -> Envelope {
        let sent = UInt32(Int(TestServer.now) + sentOffset)
        var data = [UInt8](repeating: 0, count: size)
        withUnsafeBytes(of: UInt64(index).bigEndian) { data.replaceSubrange(0..<8, with: $0) }
        return Envelope(expiry: sent + 100, ttl: 100, topic: topic, data: data, nonce: UInt64(index))
    }

    static func json(_ envelopes: [Envelope]) -> String {
        let items = envelopes.map { envelope in
            #"{"expiry":\#(envelope.expiry),"ttl":\#(envelope.ttl),"topic":"\#(envelope.topic)","data":"\#(Hex.encode(envelope.data, prefix: true))","nonce":\#(envelope.nonce)}"#
        }
        return #"{"envelopes":[\#(items.joined(separator: ","))]}"#
    }
}
