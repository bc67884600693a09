import CMailvaultHeader
import Foundation
import MailvaultAPI
import MailvaultCore
import MailvaultStore

/// `mv_store_options_init`: the store's defaults (zstd 3, 30 days, 64 MiB first map).
@_cdecl("mv_store_options_init")
public func mv_store_options_init(_ options: UnsafeMutablePointer<mv_store_options>?) {
    guard let options else { return }
    let defaults = StoreConfiguration()
    var value = mv_store_options()
    value.struct_size = UInt32(MemoryLayout<mv_store_options>.size)
    value.compression_level = defaults.compressionLevel
    value.retention_max_age = defaults.retention.maximumAge
    value.read_only = defaults.readOnly ? 1 : 0
    value.retention_max_bytes = defaults.retention.maximumBytes ?? 0
    value.initial_map_bytes = UInt64(defaults.initialMapBytes)
    options.pointee = value
}

/// The store configuration an options struct describes, each field checked.
private func configuration(_ pointer: UnsafePointer<mv_store_options>?) throws(CAPIError) -> StoreConfiguration {
    guard let pointer else { return StoreConfiguration() }
    let options = try Arguments.sized(pointer, size: pointer.pointee.struct_size, "options").pointee
    guard (0...19).contains(options.compression_level) else {
        throw .invalid("compression_level must be 0 (raw) to 19, got \(options.compression_level)")
    }
    guard options.tier_count >= 0, options.tier_count <= 255 else {
        throw .invalid("at most 255 retention tiers, got \(UInt(bitPattern: options.tier_count))")
    }
    var tiers: [RetentionTier] = []
    if options.tier_count > 0 {
        guard let pointer = options.tiers else { throw .null("options.tiers") }
        for tier in UnsafeBufferPointer(start: pointer, count: options.tier_count) {
            guard tier.minimum_pow.isFinite, tier.minimum_pow >= 0 else {
                throw .invalid("a tier's minimum_pow must be a finite number >= 0, got \(tier.minimum_pow)")
            }
            tiers.append(RetentionTier(minimumPoW: tier.minimum_pow, maximumAge: tier.maximum_age))
        }
    }
    guard options.initial_map_bytes <= UInt64(Int.max) else {
        throw .invalid("initial_map_bytes \(options.initial_map_bytes) is too large")
    }
    let retention = RetentionPolicy(maximumAge: options.retention_max_age, tiers: tiers,
                                    maximumBytes: options.retention_max_bytes == 0 ? nil : options.retention_max_bytes)
    return StoreConfiguration(compressionLevel: options.compression_level, retention: retention,
                              initialMapBytes: Int(options.initial_map_bytes), readOnly: options.read_only != 0)
}

/// `mv_store_open`: opens or creates a store. Any thread.
@_cdecl("mv_store_open")
public func mv_store_open(_ directory: UnsafePointer<CChar>?, _ options: UnsafePointer<mv_store_options>?,
                          _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    runCall { () throws(CAPIError) in
        guard let directory else { throw .null("directory") }
        let out = try Arguments.output(out, "out")
        let path = String(cString: directory)
        guard !path.isEmpty else { throw .invalid("directory is empty") }
        let configuration = try configuration(options)
        do throws(StoreError) {
            out.pointee = Handles.make(StoreHandle(try EnvelopeStore.open(at: path, configuration: configuration)))
        } catch {
            throw CAPIError(error)
        }
    }
}

/// `mv_store_close`: closes the store, keeping the handle; `MV_ERR_CLOSED` the second time.
@_cdecl("mv_store_close")
public func mv_store_close(_ store: OpaquePointer?) -> Int32 {
    runCall { () throws(CAPIError) in
        try Arguments.handle(store, as: StoreHandle.self, "store").close()
    }
}

/// `mv_store_free`: closes if needed and releases the handle; NULL is ignored.
@_cdecl("mv_store_free")
public func mv_store_free(_ store: OpaquePointer?) {
    guard let store else { return }
    try? Handles.object(store, as: StoreHandle.self).close()
    Handles.release(store, as: StoreHandle.self)
}

/// `mv_store_error_message`: snprintf-style copy of the handle's last error.
@_cdecl("mv_store_error_message")
public func mv_store_error_message(_ store: OpaquePointer?, _ buffer: UnsafeMutablePointer<CChar>?,
                                   _ capacity: Int) -> Int {
    guard let store else { return 0 }
    let message = Array(Handles.object(store, as: StoreHandle.self).errorMessage.utf8)
    if let buffer, capacity > 0 {
        let count = min(message.count, capacity - 1)
        for index in 0..<count { buffer[index] = CChar(bitPattern: message[index]) }
        buffer[count] = 0
    }
    return message.count
}

/// Runs the body on the open store behind `store`, or fails with the handle's code.
private func withStore(_ store: OpaquePointer?, _ body: (EnvelopeStore) throws(CAPIError) -> Void) -> Int32 {
    guard let store else { return runCall { () throws(CAPIError) in throw .null("store") } }
    return Handles.object(store, as: StoreHandle.self).run(body)
}

/// Runs a store operation, mapping its `StoreError`.
private func storeStep<T>(_ step: () throws(StoreError) -> T) throws(CAPIError) -> T {
    do {
        return try step()
    } catch {
        throw CAPIError(error)
    }
}

/// `mv_store_ingest`: decodes and stores a batch in one durable commit. Any thread.
@_cdecl("mv_store_ingest")
public func mv_store_ingest(_ store: OpaquePointer?, _ envelopes: UnsafePointer<UnsafePointer<UInt8>?>?,
                            _ lengths: UnsafePointer<Int>?, _ count: Int,
                            _ results: UnsafeMutablePointer<mv_ingest_result>?) -> Int32 {
    withStore(store) { (store) throws(CAPIError) in
        let inputs = try Arguments.batch(envelopes, lengths: lengths, count: count, "envelopes")
        guard !inputs.isEmpty else { return }
        let results = try Arguments.output(results, "results")
        var decoded: [Envelope] = []
        var positions: [Int] = []
        var statuses = [Int32](repeating: MV_INGEST_INVALID, count: inputs.count)
        for (index, input) in inputs.enumerated() {
            if let envelope = try? Envelope(decoding: Array(input)) {
                decoded.append(envelope)
                positions.append(index)
            }
        }
        let outcomes = try storeStep { () throws(StoreError) in try store.ingestAndWait(decoded) }
        var hashes = [Hash256](repeating: .zero, count: inputs.count)
        for (outcome, index) in zip(outcomes, positions) {
            statuses[index] = outcome.isStored ? MV_INGEST_STORED : MV_INGEST_DUPLICATE
            hashes[index] = outcome.hash
        }
        for index in inputs.indices {
            var result = mv_ingest_result()
            result.status = statuses[index]
            copyBytes(hashes[index].bytes, into: &result.hash)
            results[index] = result
        }
    }
}

/// `mv_query_init`: everything, the default page size, first page.
@_cdecl("mv_query_init")
public func mv_query_init(_ query: UnsafeMutablePointer<mv_query>?) {
    guard let query else { return }
    var value = mv_query()
    value.struct_size = UInt32(MemoryLayout<mv_query>.size)
    value.from = 0
    value.to = .max
    value.limit = UInt32(HistoryQuery.defaultLimit)
    query.pointee = value
}

/// The store query a C query describes, each field checked.
private func storeQuery(_ pointer: UnsafePointer<mv_query>?) throws(CAPIError) -> HistoryQuery {
    guard let size = pointer?.pointee.struct_size else { throw .null("query") }
    let query = try Arguments.sized(pointer, size: size, "query").pointee
    guard query.topic_count >= 0, query.topic_count <= HistoryQuery.maximumTopics else {
        throw .invalid("a query carries at most \(HistoryQuery.maximumTopics) topics, got \(UInt(bitPattern: query.topic_count))")
    }
    let topicBytes = try Arguments.items(query.topics, count: query.topic_count, itemSize: 4, "query.topics")
    let topics = stride(from: 0, to: topicBytes.count, by: 4).map {
        Topic(topicBytes[$0], topicBytes[$0 + 1], topicBytes[$0 + 2], topicBytes[$0 + 3])
    }
    let bloom = try Arguments.optional(query.bloom, length: query.bloom_length, expected: Bloom.byteCount, "query.bloom")
    let cursor = try Arguments.optional(query.cursor, length: query.cursor_length, expected: EnvelopeKey.byteCount,
                                        "query.cursor")
    do throws(QueryError) {
        return try QueryParameters.history(from: query.from, to: query.to, topics: topics, bloomBytes: bloom,
                                           limit: Int(query.limit), cursorBytes: cursor)
    } catch {
        throw CAPIError(error)
    }
}

/// `mv_store_query`: one page of envelopes. Any thread.
@_cdecl("mv_store_query")
public func mv_store_query(_ store: OpaquePointer?, _ query: UnsafePointer<mv_query>?,
                           _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    withStore(store) { (store) throws(CAPIError) in
        let request = try storeQuery(query)
        let out = try Arguments.output(out, "out")
        let page = try storeStep { () throws(StoreError) in try store.query(request) }
        out.pointee = Handles.make(ResultHandle(page))
    }
}

/// `mv_store_query_hashes`: one page of (sent, topic, hash). Any thread.
@_cdecl("mv_store_query_hashes")
public func mv_store_query_hashes(_ store: OpaquePointer?, _ query: UnsafePointer<mv_query>?,
                                  _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    withStore(store) { (store) throws(CAPIError) in
        let request = try storeQuery(query)
        let out = try Arguments.output(out, "out")
        let page = try storeStep { () throws(StoreError) in try store.hashes(request) }
        out.pointee = Handles.make(ResultHandle(page))
    }
}

/// `mv_result_count`: entries in the page; 0 for NULL.
@_cdecl("mv_result_count")
public func mv_result_count(_ result: OpaquePointer?) -> Int {
    guard let result else { return 0 }
    return Handles.object(result, as: ResultHandle.self).count
}

/// `mv_result_entry_at`: a pointer to entry `index`, inside the result.
@_cdecl("mv_result_entry_at")
public func mv_result_entry_at(_ result: OpaquePointer?, _ index: Int,
                               _ outEntry: UnsafeMutablePointer<UnsafePointer<mv_result_entry>?>?) -> Int32 {
    runCall { () throws(CAPIError) in
        let handle = try Arguments.handle(result, as: ResultHandle.self, "result")
        let out = try Arguments.output(outEntry, "out_entry")
        guard index >= 0, index < handle.count, let base = handle.entries.baseAddress else {
            throw CAPIError(status: MV_ERR_OUT_OF_RANGE,
                            message: "index \(UInt(bitPattern: index)) is beyond the result's \(handle.count) entries")
        }
        out.pointee = UnsafePointer(base + index)
    }
}

/// `mv_result_next_cursor`: the 36-byte cursor of the next page, if any.
@_cdecl("mv_result_next_cursor")
public func mv_result_next_cursor(_ result: OpaquePointer?, _ outCursor: UnsafeMutablePointer<UInt8>?,
                                  _ outHasMore: UnsafeMutablePointer<Int32>?) -> Int32 {
    runCall { () throws(CAPIError) in
        let handle = try Arguments.handle(result, as: ResultHandle.self, "result")
        let cursor = try Arguments.output(outCursor, "out_cursor")
        let hasMore = try Arguments.output(outHasMore, "out_has_more")
        if let next = handle.next {
            UnsafeMutableRawPointer(cursor).copyBytes(next.bytes)
            hasMore.pointee = 1
        } else {
            hasMore.pointee = 0
        }
    }
}

/// `mv_result_free`: releases a result; NULL is ignored.
@_cdecl("mv_result_free")
public func mv_result_free(_ result: OpaquePointer?) {
    guard let result else { return }
    Handles.release(result, as: ResultHandle.self)
}

/// `mv_store_get`: the envelope with a hash, or `MV_ERR_NOT_FOUND`. Any thread.
@_cdecl("mv_store_get")
public func mv_store_get(_ store: OpaquePointer?, _ hash: UnsafePointer<UInt8>?, _ hashLength: Int,
                         _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    withStore(store) { (store) throws(CAPIError) in
        guard let hash else { throw .null("hash") }
        guard hashLength == 32, let key = Hash256(bytes: UnsafeBufferPointer(start: hash, count: 32)) else {
            throw .invalid("a hash is 32 bytes, got \(UInt(bitPattern: hashLength))")
        }
        let out = try Arguments.output(out, "out")
        guard let envelope = try storeStep({ () throws(StoreError) in try store.envelope(hash: key) }) else {
            throw CAPIError(status: MV_ERR_NOT_FOUND, message: "no envelope with hash \(key)")
        }
        out.pointee = Handles.make(EnvelopeHandle(envelope))
    }
}

/// `mv_store_presence`: one flag per hash, from one snapshot. Any thread.
@_cdecl("mv_store_presence")
public func mv_store_presence(_ store: OpaquePointer?, _ hashes: UnsafePointer<UInt8>?, _ count: Int,
                              _ outPresent: UnsafeMutablePointer<UInt8>?) -> Int32 {
    withStore(store) { (store) throws(CAPIError) in
        let bytes = try Arguments.items(hashes, count: count, itemSize: 32, "hashes")
        guard count > 0 else { return }
        let out = try Arguments.output(outPresent, "out_present")
        var keys: [Hash256] = []
        keys.reserveCapacity(count)
        for index in 0..<count {
            guard let key = Hash256(bytes: UnsafeBufferPointer(rebasing: bytes[(index * 32)..<(index * 32 + 32)])) else {
                throw .invalid("hash \(index) is not 32 bytes")
            }
            keys.append(key)
        }
        let present = try storeStep { () throws(StoreError) in try store.presence(of: keys) }
        for (index, flag) in present.enumerated() { out[index] = flag ? 1 : 0 }
    }
}

/// `mv_store_stats_get`: counts and sizes from one snapshot. Any thread.
@_cdecl("mv_store_stats_get")
public func mv_store_stats_get(_ store: OpaquePointer?, _ out: UnsafeMutablePointer<mv_store_stats>?) -> Int32 {
    withStore(store) { (store) throws(CAPIError) in
        let out = try Arguments.output(out, "out")
        let stats = try storeStep { () throws(StoreError) in try store.stats() }
        var value = mv_store_stats()
        value.envelopes = UInt64(stats.envelopes)
        value.topics = UInt64(stats.topics)
        value.raw_bytes = stats.rawBytes
        value.stored_bytes = stats.storedBytes
        value.file_bytes = stats.fileBytes
        value.used_bytes = stats.usedBytes
        value.compressed_envelopes = UInt64(stats.compressedEnvelopes)
        value.blocks = UInt64(stats.blocks)
        value.map_bytes = stats.mapBytes
        value.compression_ratio = stats.compressionRatio
        value.schema_version = stats.schemaVersion
        value.has_envelopes = stats.oldestSent == nil ? 0 : 1
        value.oldest_sent = stats.oldestSent ?? 0
        value.newest_sent = stats.newestSent ?? 0
        out.pointee = value
    }
}

/// `mv_store_sweep`: the retention sweep, blocking until done. Any thread.
@_cdecl("mv_store_sweep")
public func mv_store_sweep(_ store: OpaquePointer?, _ now: UInt32,
                           _ outReport: UnsafeMutablePointer<mv_sweep_report>?) -> Int32 {
    withStore(store) { (store) throws(CAPIError) in
        let outcome = BlockingCall.run { () async -> Result<SweepReport, StoreError> in
            do throws(StoreError) {
                return .success(try await store.sweep(now: now))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let report):
            outReport?.pointee = mv_sweep_report(
                expired: UInt64(report.expired), evicted: UInt64(report.evicted), relocated: UInt64(report.relocated),
                blocks_freed: UInt64(report.blocksFreed), transactions: UInt64(report.transactions))
        case .failure(let error):
            throw CAPIError(error)
        case nil:
            throw CAPIError(StoreError.closed)
        }
    }
}

/// `mv_store_compact`: a compacted copy into another directory. Any thread.
@_cdecl("mv_store_compact")
public func mv_store_compact(_ store: OpaquePointer?, _ destination: UnsafePointer<CChar>?) -> Int32 {
    withStore(store) { (store) throws(CAPIError) in
        guard let destination else { throw .null("destination") }
        let path = String(cString: destination)
        guard !path.isEmpty else { throw .invalid("destination is empty") }
        try storeStep { () throws(StoreError) in try store.compact(to: path) }
    }
}
