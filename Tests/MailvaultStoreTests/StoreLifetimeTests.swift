import Foundation
import MailvaultCore
@testable import MailvaultStore
import Testing

/// Closing a store and dropping it closes its LMDB environment at once. Nothing may keep it
/// alive for a moment afterwards (the writer thread did, until it had let go of the writer):
/// a caller that reopens the same directory right away (LMDB forbids two environments on one
/// file in a process), or removes it, must find the old one gone.
@Suite("Store lifetime")
struct StoreLifetimeTests {
    @Test("the environment is released by the time the last reference to a closed store is dropped",
          arguments: [false, true])
    func environmentGoesWithTheStore(sweep: Bool) async throws {
        for cycle in 0..<50 {
            let directory = TemporaryDirectory("lifetime")
            defer { directory.remove() }
            var store: EnvelopeStore? = try EnvelopeStore.open(at: directory.path)
            weak let environment = store?.environment
            _ = try await store?.ingest([Envelope(expiry: 1_000, ttl: 100, topic: Topic(1, 2, 3, 4), data: [UInt8(cycle)], nonce: 0)])
            if sweep { _ = try await store?.sweep(now: 2_000_000_000) }
            #expect(environment != nil)
            store?.close()
            store = nil
            #expect(environment == nil, "cycle \(cycle): the environment outlived its closed store")
        }
    }
}
