import MailvaultCore
import Testing

@Suite("Ingest rules")
struct IngestRulesTests {
    static let now: UInt32 = 1_000_000
    static let topic = Topic(0xAB, 0xCD, 0xEF, 0x01)

    static func envelope(sent: UInt32, ttl: UInt32 = 100, dataLength: Int = 10) -> Envelope {
        Envelope(expiry: sent &+ ttl, ttl: ttl, topic: topic, data: [UInt8](repeating: 7, count: dataLength), nonce: 0)
    }

    static let open = IngestPolicy(minimumPoW: 0)

    @Test("clock rules in go-ethereum's order", arguments: [
        (envelope(sent: now, ttl: 0), IngestRejection.zeroTTL),
        (envelope(sent: now + 11), .future(sent: now + 11, now: now)),
        (envelope(sent: now - 121), .tooOld(expiry: now - 21, now: now)),
        (envelope(sent: now - 120), .expired(expiry: now - 20, now: now)),
        (envelope(sent: now - 101), .expired(expiry: now - 1, now: now)),
        (envelope(sent: now - 200, dataLength: 5000), .tooOld(expiry: now - 100, now: now)),
    ])
    func clock(envelope: Envelope, rejection: IngestRejection) {
        #expect(IngestRulesTests.open.check(envelope, now: IngestRulesTests.now) == .failure(rejection))
    }

    @Test("accepted at the edges of the clock window")
    func edges() throws {
        for sent in [Self.now - 100, Self.now, Self.now + 10] {
            let envelope = Self.envelope(sent: sent)
            #expect(try Self.open.check(envelope, now: Self.now).get() > 0)
        }
    }

    @Test("an envelope from up to 10 s in the future has its PoW recomputed with diff = sent - now + 1")
    func futureDiff() throws {
        for ahead: UInt32 in [1, 5, 10] {
            let envelope = Self.envelope(sent: Self.now + ahead)
            let pow = try Self.open.check(envelope, now: Self.now).get()
            #expect(pow == envelope.pow(diff: ahead + 1))
            #expect(pow < envelope.pow())
        }
        let onTime = Self.envelope(sent: Self.now)
        #expect(try Self.open.check(onTime, now: Self.now).get() == onTime.pow())
    }

    @Test("size limit counts 20 + data length")
    func size() {
        let policy = IngestPolicy(minimumPoW: 0, maximumSize: 100)
        #expect((try? policy.check(Self.envelope(sent: Self.now, dataLength: 80), now: Self.now).get()) != nil)
        #expect(policy.check(Self.envelope(sent: Self.now, dataLength: 81), now: Self.now)
            == .failure(.tooLarge(size: 101, maximum: 100)))
        #expect(IngestPolicy(maximumSize: 1 << 30).maximumSize == IngestPolicy.hardMaximumSize)
    }

    @Test("PoW below the minimum is refused; at the minimum it is accepted")
    func lowPoW() {
        let envelope = Self.envelope(sent: Self.now)
        let pow = envelope.pow()
        #expect((try? IngestPolicy(minimumPoW: pow).check(envelope, now: Self.now).get()) == pow)
        let strict = IngestPolicy(minimumPoW: pow.nextUp)
        #expect(strict.check(envelope, now: Self.now) == .failure(.lowPoW(pow: pow, minimum: pow.nextUp)))
    }

    @Test("the node's bloom filters topics; nil and full accept all")
    func bloom() {
        let envelope = Self.envelope(sent: Self.now)
        let other = Topic(1, 1, 1, 1).bloom
        #expect(IngestPolicy(minimumPoW: 0, bloom: other).check(envelope, now: Self.now) == .failure(.bloomMismatch))
        #expect((try? IngestPolicy(minimumPoW: 0, bloom: other.union(Self.topic.bloom)).check(envelope, now: Self.now).get()) != nil)
        #expect((try? IngestPolicy(minimumPoW: 0, bloom: .full).check(envelope, now: Self.now).get()) != nil)
    }

    @Test("archive mode skips the clock but keeps the other rules")
    func archive() {
        let old = Self.envelope(sent: 5)
        #expect((try? Self.open.check(old, now: Self.now, mode: .archive).get()) == old.pow())
        let future = Self.envelope(sent: Self.now + 1000)
        #expect((try? Self.open.check(future, now: Self.now, mode: .archive).get()) == future.pow())
        let policy = IngestPolicy(minimumPoW: 0, maximumSize: 50)
        #expect(policy.check(Self.envelope(sent: 5, dataLength: 40), now: Self.now, mode: .archive)
            == .failure(.tooLarge(size: 60, maximum: 50)))
        #expect(Self.open.check(Self.envelope(sent: 5, ttl: 0), now: Self.now, mode: .archive) == .failure(.zeroTTL))
    }

    @Test("only expiry is a silent drop")
    func silentDrop() {
        #expect(IngestRejection.expired(expiry: 1, now: 2).isSilentDrop)
        #expect(!IngestRejection.tooOld(expiry: 1, now: 100).isSilentDrop)
        #expect(!IngestRejection.bloomMismatch.isSilentDrop)
    }
}
