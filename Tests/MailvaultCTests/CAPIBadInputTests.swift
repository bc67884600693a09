import CMailvaultHeader
import Foundation
import Testing

/// The C functions called directly (through the header's declarations) with bad input:
/// NULL pointers, wrong lengths, closed handles, double close. Each must return its error
/// code and a message, never trap.
@Suite("C API bad input")
struct CAPIBadInputTests {
    /// go-ethereum's public vector (nonce 276, pow 19.692307692307693).
    static let vector: [UInt8] = [0xcf, 0x80, 0x01, 0x84, 0, 0, 0, 0, 0x84, 0xde, 0xad, 0xbe, 0xef, 0x82, 0x01, 0x14]
    /// A size_t above Int.max, as a C caller passing (size_t)-1 would.
    static let hugeLength = Int(bitPattern: UInt(UInt64.max))

    static var lastMessage: String { String(cString: mv_last_error_message()) }

    @Test("decode: NULL, wrong lengths, garbage")
    func decodeBadInput() {
        var envelope: OpaquePointer?
        #expect(mv_envelope_decode(nil, 5, &envelope) == MV_ERR_NULL)
        #expect(Self.lastMessage == "bytes is NULL")
        #expect(mv_envelope_decode(nil, 0, &envelope) == MV_ERR_DECODE)
        Self.vector.withUnsafeBufferPointer { bytes in
            #expect(mv_envelope_decode(bytes.baseAddress, bytes.count, nil) == MV_ERR_NULL)
            #expect(mv_envelope_decode(bytes.baseAddress, bytes.count - 1, &envelope) == MV_ERR_DECODE)
            #expect(Self.lastMessage.contains("lengthBeyondInput"))
            #expect(mv_envelope_decode(bytes.baseAddress, Self.hugeLength, &envelope) == MV_ERR_INVALID_ARGUMENT)
        }
        let trailing = Self.vector + [0]
        #expect(mv_envelope_decode(trailing, trailing.count, &envelope) == MV_ERR_DECODE)
        #expect(Self.lastMessage.contains("trailingBytes"))
        #expect(envelope == nil)
        // Every prefix and a few byte flips: errors or envelopes, never a crash.
        for length in 0...Self.vector.count {
            var out: OpaquePointer?
            let status = mv_envelope_decode(Self.vector, length, &out)
            #expect(status == (length == Self.vector.count ? MV_OK : MV_ERR_DECODE))
            mv_envelope_free(out)
        }
    }

    @Test("envelope accessors: NULL handle and NULL outputs")
    func envelopeAccessors() throws {
        var envelope: OpaquePointer?
        try #require(mv_envelope_decode(Self.vector, Self.vector.count, &envelope) == MV_OK)
        defer { mv_envelope_free(envelope) }
        var fields = mv_envelope_fields()
        var work = mv_work()
        var bytes = [UInt8](repeating: 0, count: 64)
        #expect(mv_envelope_get_fields(nil, &fields) == MV_ERR_NULL)
        #expect(mv_envelope_get_fields(envelope, nil) == MV_ERR_NULL)
        #expect(mv_envelope_hash(nil, &bytes) == MV_ERR_NULL)
        #expect(mv_envelope_hash(envelope, nil) == MV_ERR_NULL)
        #expect(mv_envelope_work(nil, &work) == MV_ERR_NULL)
        #expect(mv_envelope_bloom(envelope, nil) == MV_ERR_NULL)
        #expect(mv_envelope_get_fields(envelope, &fields) == MV_OK)
        #expect(fields.nonce == 276 && fields.ttl == 1 && fields.data_length == 4 && fields.size == 24)
        let data = Array(UnsafeBufferPointer(start: fields.data, count: fields.data_length))
        #expect(data == [0xde, 0xad, 0xbe, 0xef])
        #expect(Array(UnsafeBufferPointer(start: fields.encoded, count: fields.encoded_length)) == Self.vector)
        #expect(mv_envelope_work(envelope, &work) == MV_OK)
        #expect(work.pow == 19.692307692307693)
        #expect(work.rlp_without_nonce_length == 13)
        mv_envelope_free(nil)
    }

    @Test("batch verification: NULL arrays, a NULL item, per-item decode errors")
    func verifyBatchBadInput() {
        var results = [mv_work](repeating: mv_work(), count: 3)
        #expect(mv_verify_batch(nil, nil, 0, nil) == MV_OK)
        #expect(mv_verify_batch(nil, [16], 1, &results) == MV_ERR_NULL)
        #expect(mv_verify_batch(nil, nil, Self.hugeLength, &results) == MV_ERR_INVALID_ARGUMENT)
        Self.vector.withUnsafeBufferPointer { good in
            let garbage: [UInt8] = [0xc0]
            garbage.withUnsafeBufferPointer { bad in
                let pointers: [UnsafePointer<UInt8>?] = [good.baseAddress, bad.baseAddress, good.baseAddress]
                #expect(mv_verify_batch(pointers, nil, 3, &results) == MV_ERR_NULL)
                #expect(mv_verify_batch(pointers, [16, 1, 16], 3, nil) == MV_ERR_NULL)
                #expect(mv_verify_batch(pointers, [16, 1, 16], 3, &results) == MV_OK)
                #expect(results.map(\.status) == [MV_OK, MV_ERR_DECODE, MV_OK])
                #expect(results[0].pow == 19.692307692307693 && results[2].pow == results[0].pow)
                let withNull: [UnsafePointer<UInt8>?] = [good.baseAddress, nil]
                #expect(mv_verify_batch(withNull, [16, 4], 2, &results) == MV_ERR_NULL)
                #expect(Self.lastMessage == "envelopes[1] is NULL")
            }
        }
    }

    @Test("topics and blooms: NULLs, huge counts, DESIGN.md's vector")
    func bloomBadInput() {
        var bloom = [UInt8](repeating: 0, count: 64)
        var match: Int32 = -1
        #expect(mv_topic_bloom(nil, &bloom) == MV_ERR_NULL)
        #expect(mv_topic_bloom([0, 0, 0xff, 0x06], nil) == MV_ERR_NULL)
        #expect(mv_topic_bloom([0, 0, 0xff, 0x06], &bloom) == MV_OK)
        #expect(bloom[0] == 0x01 && bloom[32] == 0x01 && bloom[63] == 0x80)
        #expect(bloom.enumerated().filter { ![0, 32, 63].contains($0.offset) }.allSatisfy { $0.element == 0 })
        #expect(mv_topics_bloom(nil, 2, &bloom) == MV_ERR_NULL)
        #expect(mv_topics_bloom([1, 2, 3, 4], Int.max / 2, &bloom) == MV_ERR_INVALID_ARGUMENT)
        #expect(mv_bloom_match(nil, bloom, &match) == MV_ERR_NULL)
        #expect(mv_bloom_match(bloom, bloom, nil) == MV_ERR_NULL)
        #expect(mv_bloom_match(bloom, bloom, &match) == MV_OK && match == 1)
        let full = [UInt8](repeating: 0xff, count: 64)
        var other = [UInt8](repeating: 0, count: 64)
        #expect(mv_topic_bloom([0x12, 0x34, 0x56, 0x78], &other) == MV_OK)
        #expect(mv_bloom_match(bloom, other, &match) == MV_OK && match == 0)
        #expect(mv_bloom_match(full, other, &match) == MV_OK && match == 1)
    }

    @Test("sealing: NULL options, bad struct_size, zero TTL, bad target, cancellation from another thread")
    func sealBadInputAndCancel() async throws {
        var envelope: OpaquePointer?
        var options = mv_seal_options()
        #expect(await SealCall(options: nil, wantEnvelope: true).run() == MV_ERR_NULL)
        #expect(await SealCall(options: options, wantEnvelope: true).run() == MV_ERR_INVALID_ARGUMENT)  // struct_size 0
        mv_seal_options_init(&options)
        options.target_pow = 0.001
        #expect(await SealCall(options: options, wantEnvelope: false).run() == MV_ERR_NULL)
        options.ttl = 0
        #expect(await SealCall(options: options, wantEnvelope: true).run() == MV_ERR_INVALID_ARGUMENT)
        options.ttl = 50
        options.target_pow = -1
        #expect(await SealCall(options: options, wantEnvelope: true).run() == MV_ERR_INVALID_ARGUMENT)
        options.target_pow = 1e300
        #expect(await SealCall(options: options, wantEnvelope: true).run() == MV_ERR_INVALID_ARGUMENT)
        options.target_pow = 0.001
        options.data_length = 10
        #expect(await SealCall(options: options, wantEnvelope: true).run() == MV_ERR_NULL)
        options.data_length = 0

        // A budget that cannot be met in 50 ms: the best PoW so far comes back with the error.
        options.target_pow = 1e9
        options.work_time_ms = 50
        options.threads = 1
        var stats = mv_seal_stats()
        let missed = SealCall(options: options)
        #expect(await missed.run() == MV_ERR_TARGET_NOT_REACHED)
        stats = missed.stats
        #expect(stats.attempts > 0 && stats.pow > 0 && stats.pow < 1e9)

        // Maximise for 60 s, cancelled from another thread after 100 ms.
        options.maximize = 1
        options.work_time_ms = 60_000
        options.threads = 2
        let cancel = try #require(mv_cancel_new())
        defer { mv_cancel_free(cancel) }
        let trigger = CancelTrigger(cancel)
        Thread {
            usleep(100_000)
            trigger.fire()
        }.start()
        let start = Date()
        #expect(await SealCall(options: options, cancel: cancel).run() == MV_ERR_CANCELLED)
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(mv_cancel_is_triggered(cancel) == 1)
        // A triggered handle cancels later seals at once.
        #expect(await SealCall(options: options, cancel: cancel, wantEnvelope: true).run() == MV_ERR_CANCELLED)
        #expect(envelope == nil)
        mv_cancel_trigger(nil)
        #expect(mv_cancel_is_triggered(nil) == 0)

        options.maximize = 0
        options.target_pow = 0.01
        options.work_time_ms = 5000
        options.threads = 1
        let sealed = SealCall(options: options)
        try #require(await sealed.run() == MV_OK)
        envelope = sealed.envelope
        stats = sealed.stats
        var work = mv_work()
        #expect(mv_envelope_work(envelope, &work) == MV_OK)
        #expect(work.pow >= 0.01 && work.pow == stats.pow)
        mv_envelope_free(envelope)
    }

    @Test("policy check: NULLs, bad mode, wrong bloom length, and the rules")
    func policyCheck() throws {
        var envelope: OpaquePointer?
        try #require(mv_envelope_decode(Self.vector, Self.vector.count, &envelope) == MV_OK)
        defer { mv_envelope_free(envelope) }
        var policy = mv_policy(minimum_pow: 0.2, maximum_size: 0, bloom: nil, bloom_length: 0)
        var rejection: Int32 = -1
        var pow = 0.0
        #expect(mv_policy_check(nil, &policy, 0, MV_MODE_LIVE, &rejection, &pow) == MV_ERR_NULL)
        #expect(mv_policy_check(envelope, nil, 0, MV_MODE_LIVE, &rejection, &pow) == MV_ERR_NULL)
        #expect(mv_policy_check(envelope, &policy, 0, 7, &rejection, &pow) == MV_ERR_INVALID_ARGUMENT)
        policy.bloom_length = 64
        #expect(mv_policy_check(envelope, &policy, 0, MV_MODE_LIVE, &rejection, &pow) == MV_ERR_NULL)
        let shortBloom = [UInt8](repeating: 0xff, count: 63)
        try shortBloom.withUnsafeBufferPointer { bloom in
            policy.bloom = bloom.baseAddress
            policy.bloom_length = 63
            #expect(mv_policy_check(envelope, &policy, 0, MV_MODE_LIVE, &rejection, &pow) == MV_ERR_INVALID_ARGUMENT)
            policy.bloom = nil
            policy.bloom_length = 0
            try #require(mv_policy_check(envelope, &policy, 0, MV_MODE_ARCHIVE, &rejection, &pow) == MV_OK)
        }
        #expect(rejection == MV_ACCEPTED && pow == 19.692307692307693)
        // Expiry 0, TTL 1: sent wraps to 2^32 - 1 in uint32, as in go-ethereum, so a live node
        // sees it far in the future; an archive import skips the clock.
        #expect(mv_policy_check(envelope, &policy, 1000, MV_MODE_LIVE, &rejection, nil) == MV_OK)
        #expect(rejection == MV_REJECT_FUTURE)
        #expect(mv_policy_check(envelope, &policy, 1000, MV_MODE_ARCHIVE, &rejection, nil) == MV_OK)
        #expect(rejection == MV_ACCEPTED)
        policy.minimum_pow = 100
        #expect(mv_policy_check(envelope, &policy, 0, MV_MODE_ARCHIVE, &rejection, &pow) == MV_OK)
        #expect(rejection == MV_REJECT_LOW_POW && pow == 19.692307692307693)
    }

    @Test("store: NULLs, bad options, wrong lengths, closed handle, double close")
    func storeBadInput() throws {
        let directory = NSTemporaryDirectory() + "mailvault-c-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var store: OpaquePointer?
        var options = mv_store_options()
        #expect(mv_store_open(nil, nil, &store) == MV_ERR_NULL)
        #expect(mv_store_open(directory, nil, nil) == MV_ERR_NULL)
        #expect(mv_store_open("", nil, &store) == MV_ERR_INVALID_ARGUMENT)
        #expect(mv_store_open(directory, &options, &store) == MV_ERR_INVALID_ARGUMENT)  // struct_size 0
        mv_store_options_init(&options)
        options.compression_level = 40
        #expect(mv_store_open(directory, &options, &store) == MV_ERR_INVALID_ARGUMENT)
        options.compression_level = 3
        options.tier_count = 2
        #expect(mv_store_open(directory, &options, &store) == MV_ERR_NULL)
        options.tier_count = 0
        options.initial_map_bytes = 4 << 20
        #expect(store == nil)
        try #require(mv_store_open(directory, &options, &store) == MV_OK)

        // Ingest: NULL arrays, a NULL item, an invalid item among valid ones.
        var results = [mv_ingest_result](repeating: mv_ingest_result(), count: 2)
        #expect(mv_store_ingest(nil, nil, nil, 0, nil) == MV_ERR_NULL)
        #expect(mv_store_ingest(store, nil, nil, 0, nil) == MV_OK)
        #expect(mv_store_ingest(store, nil, [16], 1, &results) == MV_ERR_NULL)
        try Self.vector.withUnsafeBufferPointer { good in
            let pointers: [UnsafePointer<UInt8>?] = [good.baseAddress, good.baseAddress]
            #expect(mv_store_ingest(store, pointers, [16, 15], 2, nil) == MV_ERR_NULL)
            try #require(mv_store_ingest(store, pointers, [16, 15], 2, &results) == MV_OK)
            #expect(results.map(\.status) == [MV_INGEST_STORED, MV_INGEST_INVALID])
        }

        // Query: wrong cursor and bloom lengths, bad limit, too many topics, NULL out.
        var query = mv_query()
        var result: OpaquePointer?
        #expect(mv_store_query(store, nil, &result) == MV_ERR_NULL)
        #expect(mv_store_query(store, &query, &result) == MV_ERR_INVALID_ARGUMENT)  // struct_size 0
        mv_query_init(&query)
        #expect(mv_store_query(store, &query, nil) == MV_ERR_NULL)
        let cursor = [UInt8](repeating: 0, count: 35)
        cursor.withUnsafeBufferPointer { bytes in
            query.cursor = bytes.baseAddress
            query.cursor_length = 35
            #expect(mv_store_query(store, &query, &result) == MV_ERR_INVALID_ARGUMENT)
            #expect(Self.lastMessage.contains("36 bytes"))
        }
        query.cursor = nil
        query.cursor_length = 36
        #expect(mv_store_query(store, &query, &result) == MV_ERR_NULL)
        query.cursor_length = 0
        query.bloom_length = 64
        #expect(mv_store_query(store, &query, &result) == MV_ERR_NULL)
        query.bloom_length = 0
        query.limit = 0
        #expect(mv_store_query(store, &query, &result) == MV_ERR_INVALID_ARGUMENT)
        query.limit = 5000
        #expect(mv_store_query(store, &query, &result) == MV_ERR_INVALID_ARGUMENT)
        var message = [CChar](repeating: 0, count: 256)
        let length = mv_store_error_message(store, &message, message.count)
        #expect(length > 0 && String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).contains("limit"))
        #expect(mv_store_error_message(store, nil, 0) == length)
        query.limit = 100
        query.topic_count = 1001
        #expect(mv_store_query(store, &query, &result) == MV_ERR_INVALID_ARGUMENT)
        query.topic_count = 0
        query.from = 10
        query.to = 5
        #expect(mv_store_query(store, &query, &result) == MV_ERR_INVALID_ARGUMENT)
        query.from = 0
        query.to = .max
        try #require(mv_store_query(store, &query, &result) == MV_OK)
        #expect(mv_result_count(result) == 1)
        var entry: UnsafePointer<mv_result_entry>?
        #expect(mv_result_entry_at(result, 1, &entry) == MV_ERR_OUT_OF_RANGE)
        #expect(mv_result_entry_at(result, -1, &entry) == MV_ERR_OUT_OF_RANGE)
        #expect(mv_result_entry_at(nil, 0, &entry) == MV_ERR_NULL)
        #expect(mv_result_entry_at(result, 0, nil) == MV_ERR_NULL)
        try #require(mv_result_entry_at(result, 0, &entry) == MV_OK)
        let first = try #require(entry?.pointee)
        #expect(Array(UnsafeBufferPointer(start: first.bytes, count: first.length)) == Self.vector)
        var hasMore: Int32 = -1
        var next = [UInt8](repeating: 0, count: 36)
        #expect(mv_result_next_cursor(result, nil, &hasMore) == MV_ERR_NULL)
        #expect(mv_result_next_cursor(result, &next, &hasMore) == MV_OK && hasMore == 0)
        #expect(mv_result_count(nil) == 0)
        mv_result_free(result)
        mv_result_free(nil)

        // Hashes-only page: same entry, no bytes.
        try #require(mv_store_query_hashes(store, &query, &result) == MV_OK)
        try #require(mv_result_entry_at(result, 0, &entry) == MV_OK)
        #expect(entry?.pointee.bytes == nil && entry?.pointee.length == 0)
        #expect(bytes(of: entry?.pointee.hash) == bytes(of: first.hash))
        mv_result_free(result)

        // Lookup and presence: wrong hash length, NULLs, unknown hash.
        var found: OpaquePointer?
        let hash = bytes(of: first.hash)
        #expect(mv_store_get(store, nil, 32, &found) == MV_ERR_NULL)
        #expect(mv_store_get(store, hash, 31, &found) == MV_ERR_INVALID_ARGUMENT)
        #expect(mv_store_get(store, [UInt8](repeating: 7, count: 32), 32, &found) == MV_ERR_NOT_FOUND)
        #expect(mv_store_get(store, hash, 32, nil) == MV_ERR_NULL)
        try #require(mv_store_get(store, hash, 32, &found) == MV_OK)
        mv_envelope_free(found)
        var present = [UInt8](repeating: 9, count: 2)
        #expect(mv_store_presence(store, nil, 2, &present) == MV_ERR_NULL)
        #expect(mv_store_presence(store, hash, 1, nil) == MV_ERR_NULL)
        #expect(mv_store_presence(store, hash, Self.hugeLength, &present) == MV_ERR_INVALID_ARGUMENT)
        #expect(mv_store_presence(store, hash + [UInt8](repeating: 1, count: 32), 2, &present) == MV_OK)
        #expect(present == [1, 0])
        var stats = mv_store_stats()
        #expect(mv_store_stats_get(store, nil) == MV_ERR_NULL)
        #expect(mv_store_stats_get(store, &stats) == MV_OK && stats.envelopes == 1 && stats.has_envelopes == 1)
        #expect(mv_store_compact(store, nil) == MV_ERR_NULL)

        // Closed handle: every call answers MV_ERR_CLOSED; close twice; free once.
        #expect(mv_store_close(store) == MV_OK)
        #expect(mv_store_close(store) == MV_ERR_CLOSED)
        #expect(mv_store_close(nil) == MV_ERR_NULL)
        #expect(mv_store_query(store, &query, &result) == MV_ERR_CLOSED)
        #expect(mv_store_ingest(store, nil, nil, 0, nil) == MV_ERR_CLOSED)
        #expect(mv_store_get(store, hash, 32, &found) == MV_ERR_CLOSED)
        #expect(mv_store_presence(store, hash, 1, &present) == MV_ERR_CLOSED)
        #expect(mv_store_stats_get(store, &stats) == MV_ERR_CLOSED)
        #expect(mv_store_sweep(store, 0, nil) == MV_ERR_CLOSED)
        #expect(mv_store_compact(store, directory + "-copy") == MV_ERR_CLOSED)
        #expect(Self.lastMessage == "the store is closed")
        mv_store_free(store)
        mv_store_free(nil)

        // The directory reopens with its envelope.
        try #require(mv_store_open(directory, nil, &store) == MV_OK)
        #expect(mv_store_stats_get(store, &stats) == MV_OK && stats.envelopes == 1)
        mv_store_free(store)
    }

    @Test("status names and version")
    func statusNames() {
        #expect(String(cString: mv_status_name(MV_OK)) == "MV_OK")
        #expect(String(cString: mv_status_name(MV_ERR_CLOSED)) == "MV_ERR_CLOSED")
        #expect(String(cString: mv_status_name(MV_ERR_OUT_OF_RANGE)) == "MV_ERR_OUT_OF_RANGE")
        #expect(String(cString: mv_status_name(-1)) == "MV_ERR_UNKNOWN")
        #expect(String(cString: mv_status_name(99)) == "MV_ERR_UNKNOWN")
        #expect(mv_api_version() == UInt32(MV_API_VERSION_MAJOR) << 16 | UInt32(MV_API_VERSION_MINOR))
        #expect(String(cString: mv_version_string()).hasPrefix("\(MV_API_VERSION_MAJOR).\(MV_API_VERSION_MINOR)."))
    }
}

/// The bytes of a fixed-size C array field (imported as a tuple).
func bytes<Tuple>(of field: Tuple?) -> [UInt8] {
    guard let field else { return [] }
    return withUnsafeBytes(of: field) { Array($0) }
}

/// Hands a cancel handle to another thread.
final class CancelTrigger: @unchecked Sendable {
    private let cancel: OpaquePointer

    init(_ cancel: OpaquePointer) { self.cancel = cancel }

    func fire() { mv_cancel_trigger(cancel) }
}

/// One `mv_seal` call made from a thread of its own. mv_seal blocks its caller until the search,
/// which runs on Swift's cooperative pool, is done; a test runs on that pool, so blocking one of
/// its (two, on this machine) threads while other tests block the other would deadlock. C
/// callers (Go, Nim threads) are not pool threads and need no such care.
final class SealCall: @unchecked Sendable {
    var options: mv_seal_options
    let passOptions: Bool
    let cancel: OpaquePointer?
    let wantEnvelope: Bool
    var envelope: OpaquePointer?
    var stats = mv_seal_stats()

    /// A call with `options` (or a NULL options pointer), an optional cancel handle, and a NULL
    /// or real envelope output.
    init(options: mv_seal_options?, cancel: OpaquePointer? = nil, wantEnvelope: Bool = true) {
        self.options = options ?? mv_seal_options()
        passOptions = options != nil
        self.cancel = cancel
        self.wantEnvelope = wantEnvelope
    }

    func run() async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread {
                let status = withUnsafeMutablePointer(to: &self.options) { options in
                    withUnsafeMutablePointer(to: &self.envelope) { envelope in
                        mv_seal(self.passOptions ? options : nil, self.cancel,
                                self.wantEnvelope ? envelope : nil, &self.stats)
                    }
                }
                continuation.resume(returning: status)
            }.start()
        }
    }
}
