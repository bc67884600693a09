import CLMDB
import Foundation
import MailvaultCore

/// The archive: envelopes in LMDB, ordered by (sent, hash), with topic, hash and retention
/// indexes (layout in Docs/Storage.md).
///
/// Concurrency contract (LMDB's): one writer, many readers.
/// - Every write (`ingest`, `sweep`) goes through one writer thread. Ingests queued while a
///   transaction commits are applied together in the next one (group commit), and each call
///   returns only after the commit that holds its envelopes is durable (fsync'd).
/// - Reads (`query`, `hashes`, `envelope(hash:)`, `presence(of:)`, `stats()`) may run on any
///   thread at any time. Each runs in its own LMDB read transaction, a snapshot that writers
///   never block and that never sees half a commit.
/// - Other processes may open the same directory (LMDB serialises their writers too).
/// - `close()` (or releasing the store) finishes queued writes first.
public final class EnvelopeStore: @unchecked Sendable {
    /// The configuration the store was opened with.
    public let configuration: StoreConfiguration
    /// The store's directory.
    public let directory: String

    let environment: Environment
    let dbs: Databases
    let codec: RecordCodec
    let blockCapacity: Int
    /// Which blocks hold schema 3's records; fixed once the schema is prepared at open.
    private(set) var blockFormats = BlockFormats(firstVersion4Block: 0)
    private let lock: DirectoryLock?
    private var writer: StoreWriter?

    private init(directory: String, configuration: StoreConfiguration) throws(StoreError) {
        self.directory = directory
        self.configuration = configuration
        if !configuration.readOnly {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .io(operation: "mkdir", path: directory, errno: (error as NSError).code == 0 ? EIO : Int32(EACCES))
            }
        }
        lock = configuration.readOnly ? try? DirectoryLock(directory: directory, exclusive: false)
                                      : try DirectoryLock(directory: directory, exclusive: false)
        environment = try Environment(directory: directory, mapBytes: max(configuration.initialMapBytes, 1 << 20),
                                      readOnly: configuration.readOnly)
        dbs = try environment.openDatabases()
        codec = RecordCodec(level: configuration.compressionLevel)
        blockCapacity = Schema.blockPages * (try environment.info().pageSize) - 16
        try SchemaMigrator.prepare(environment, dbs, codec: codec, blockCapacity: blockCapacity,
                                   configuration: configuration, directory: directory)
        let meta = dbs.meta
        blockFormats = try environment.read { (txn) throws(StoreError) in try BlockFormats.read(txn, meta) }
        if !configuration.readOnly {
            let (dbs, codec, retention, capacity) = (dbs, codec, configuration.retention, blockCapacity)
            let knownTopics = KnownTopics()
            writer = StoreWriter(environment: environment) { (txn) throws(StoreError) in
                try WriteContext(txn: txn, dbs: dbs, codec: codec, retention: retention, blockCapacity: capacity,
                                 knownTopics: knownTopics)
            }
            if configuration.dictionary != nil { try prepareDictionary() }
        }
    }

    /// Opens (creating if needed) the store in `directory`.
    ///
    /// Refuses a database whose schema is newer than this build's; migrates an older one. When
    /// the configured retention tiers differ from those the database was indexed with, the
    /// tier index is rebuilt before this returns.
    public static func open(at directory: String, configuration: StoreConfiguration = StoreConfiguration())
        throws(StoreError) -> EnvelopeStore
    {
        try EnvelopeStore(directory: directory, configuration: configuration)
    }

    deinit {
        writer?.stop()
    }

    /// Finishes queued writes and stops the writer; later writes fail with `.closed`.
    public func close() {
        writer?.stop()
    }

    // MARK: zstd dictionary

    /// At open with a dictionary policy: use the newest recorded dictionary, or train one when
    /// there are enough samples.
    private func prepareDictionary() throws(StoreError) {
        let meta = dbs.meta
        let newest = try environment.read { (txn) throws(StoreError) -> (UInt32, [UInt8])? in
            let source = DictionarySource(txn: txn, meta: meta)
            guard let id = try source.newest(), let bytes = try source.bytes(of: id) else { return nil }
            return (id, bytes)
        }
        if let (id, bytes) = newest {
            try codec.use(dictionary: id, bytes: bytes)
            return
        }
        guard let (bytes, _) = try dictionaryTraining() else { return }
        let id = try activeWriter().submitAndWait(weight: 0) { (context) throws(StoreError) in
            try context.addDictionary(bytes)
        }
        try codec.use(dictionary: id, bytes: bytes)
    }

    /// Trains a new zstd dictionary from the newest compressible records (at most
    /// `DictionaryPolicy.samples`), records it under the next id, and compresses new records
    /// with it from then on. Records compressed with earlier dictionaries stay readable.
    ///
    /// Returns `nil` (and changes nothing) when fewer than `DictionaryPolicy.minimumSamples`
    /// compressible records are stored, or zstd's trainer finds nothing to learn. Fails with
    /// `invalidArgument` when the store was opened without a dictionary policy or with
    /// compression off. A store with a policy trains its first dictionary by itself: at open,
    /// or in the first `sweep` that finds enough samples.
    public func trainDictionary() async throws(StoreError) -> StoreDictionary? {
        guard configuration.dictionary != nil, configuration.compressionLevel > 0 else {
            throw .invalidArgument("the store was opened without a zstd dictionary policy or with compression off")
        }
        let writer = try activeWriter()
        guard let (bytes, samples) = try dictionaryTraining() else { return nil }
        let id = try await writer.submit(weight: 0) { (context) throws(StoreError) in
            try context.addDictionary(bytes)
        }
        try codec.use(dictionary: id, bytes: bytes)
        return StoreDictionary(id: id, bytes: bytes.count, samples: samples)
    }

    /// A dictionary trained from the newest compressible records, and how many it used; `nil`
    /// when there are too few of them. Reads at most 8 records per sample wanted, so a store of
    /// mostly encrypted payloads is not read whole.
    private func dictionaryTraining() throws(StoreError) -> ([UInt8], Int)? {
        guard let policy = configuration.dictionary, configuration.compressionLevel > 0 else { return nil }
        let codec = codec
        let samples = try read { (snapshot) throws(StoreError) -> [[UInt8]] in
            let dictionaries = snapshot.dictionaries
            var samples: [[UInt8]] = []
            let cursor = try snapshot.txn.cursor(snapshot.dbs.envelopes)
            var entry = try cursor.get(MDB_LAST)
            var scanned = 0
            while let current = entry, samples.count < policy.samples, scanned < 8 * policy.samples {
                scanned += 1
                let sample = try snapshot.withRecord(at: try Location(raw: current.value)) {
                    (record) throws(StoreError) -> [UInt8]? in
                    record.kind == .raw ? nil : try codec.rlp(of: record, dictionaries: dictionaries)
                }
                if let sample { samples.append(sample) }
                entry = try cursor.get(MDB_PREV)
            }
            return samples
        }
        guard samples.count >= max(1, policy.minimumSamples),
              let bytes = DictionaryTrainer.train(samples, maximumBytes: policy.maximumBytes) else { return nil }
        return (bytes, samples.count)
    }

    private func activeWriter() throws(StoreError) -> StoreWriter {
        guard let writer else {
            throw configuration.readOnly ? .invalidArgument("the store was opened read-only") : .closed
        }
        return writer
    }

    // MARK: Ingest

    /// Stores a batch; returns one result per envelope, in input order, once durable.
    ///
    /// Envelopes are identified by hash: one already stored (or repeated in the batch) is
    /// reported `.duplicate` and not written again. The caller applies its ingest policy
    /// first (`IngestPolicy.check`); `work` passes the hashes it computed so they are not
    /// computed twice, otherwise they are computed here in SIMD batches.
    public func ingest(_ envelopes: [Envelope], work: [PoWCheck]? = nil) async throws(StoreError) -> [IngestResult] {
        let (prepared, order) = try prepare(envelopes, work: work)
        return try await activeWriter().submit(weight: max(1, envelopes.count)) { (context) throws(StoreError) in
            try EnvelopeStore.apply(prepared, order: order, into: context)
        }
    }

    /// `ingest` for synchronous callers: blocks the calling thread until the commit is durable.
    public func ingestAndWait(_ envelopes: [Envelope], work: [PoWCheck]? = nil) throws(StoreError) -> [IngestResult] {
        let (prepared, order) = try prepare(envelopes, work: work)
        return try activeWriter().submitAndWait(weight: max(1, envelopes.count)) { (context) throws(StoreError) in
            try EnvelopeStore.apply(prepared, order: order, into: context)
        }
    }

    /// Envelopes per lane below which a batch is prepared on the caller's thread alone.
    static let preparationChunk = 256

    /// Hashes (unless `work` has the hashes), builds the records and sorts a batch. The PoW is
    /// recorded when `work` brings it or a retention tier needs it, else left unset (NaN). A large
    /// batch is cut into `lanes` contiguous chunks prepared on as many threads: the hashing
    /// and the record building are the ingest's CPU work that cannot overlap the previous
    /// commit for a single caller, so they use every core instead.
    func prepare(_ envelopes: [Envelope], work: [PoWCheck]?,
                 lanes: Int = ProcessInfo.processInfo.activeProcessorCount) throws(StoreError) -> ([PreparedEnvelope], [Int]) {
        if let work, work.count != envelopes.count {
            throw .invalidArgument("ingest got \(envelopes.count) envelopes but \(work.count) PoW checks")
        }
        let chunks = max(1, min(lanes, envelopes.count / EnvelopeStore.preparationChunk))
        let bounds = (0...chunks).map { $0 * envelopes.count / chunks }
        var parts = Array(repeating: [PreparedEnvelope](), count: chunks)
        let codec = codec
        let needsPoW = !configuration.retention.tiers.isEmpty
        parts.withUnsafeMutableBufferPointer { buffer in
            // Each lane writes its own slot, and concurrentPerform returns after every lane did.
            nonisolated(unsafe) let slots = buffer
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let range = bounds[chunk]..<bounds[chunk + 1]
                let slice = Array(envelopes[range])
                let hashes: [Hash256]
                let pows: [Float]
                if let work {
                    hashes = work[range].map(\.hash)
                    pows = work[range].map { Float($0.pow()) }
                } else if needsPoW {
                    let checks = Envelope.checkWork(batch: slice)
                    hashes = checks.map(\.hash)
                    pows = checks.map { Float($0.pow()) }
                } else {
                    // No tier needs the PoW now: it is left unset and computed if a tier ever does.
                    hashes = Envelope.hashes(batch: slice)
                    pows = Array(repeating: .nan, count: slice.count)
                }
                let records = codec.records(for: slice, pows: pows)
                var prepared: [PreparedEnvelope] = []
                prepared.reserveCapacity(slice.count)
                for index in slice.indices {
                    prepared.append(PreparedEnvelope(key: EnvelopeKey(sent: slice[index].sentTime, hash: hashes[index]),
                                                     topic: slice[index].topic, pow: pows[index],
                                                     rawLength: slice[index].encoded.count, record: records[index]))
                }
                slots[chunk] = prepared
            }
        }
        let prepared = Array(parts.joined())
        // In key order, so that keys newer than the store's newest are appended.
        let order = prepared.indices.sorted { prepared[$0].key < prepared[$1].key }
        return (prepared, order)
    }

    /// Inserts in key order; the results come back in input order.
    private static func apply(_ prepared: [PreparedEnvelope], order: [Int],
                              into context: WriteContext) throws(StoreError) -> [IngestResult] {
        var results = Array(repeating: IngestResult.duplicate(.zero), count: prepared.count)
        for index in order {
            let item = prepared[index]
            results[index] = try context.insert(item) ? .stored(item.key.hash) : .duplicate(item.key.hash)
        }
        return results
    }

    // MARK: Queries

    /// One page of a query with its envelopes (see `HistoryQuery` for the semantics).
    public func query(_ query: HistoryQuery) throws(StoreError) -> HistoryPage {
        try StoreError.check(query)
        return try plan { (planner) throws(StoreError) in try planner.page(query) }
    }

    /// One page of a query as keys and topics only: no envelope is decoded.
    public func hashes(_ query: HistoryQuery) throws(StoreError) -> HistoryPage {
        try StoreError.check(query)
        return try plan { (planner) throws(StoreError) in try planner.keyPage(query) }
    }

    /// The envelope with this hash, or `nil`.
    public func envelope(hash: Hash256) throws(StoreError) -> Envelope? {
        try plan { (planner) throws(StoreError) in try planner.envelope(hash: hash) }
    }

    /// For each hash, whether the store holds it (one snapshot for the whole list).
    public func presence(of hashes: [Hash256]) throws(StoreError) -> [Bool] {
        try plan { (planner) throws(StoreError) in try planner.presence(of: hashes) }
    }

    /// Runs `body` on a fresh read snapshot.
    func read<T>(_ body: (ReadSnapshot) throws(StoreError) -> T) throws(StoreError) -> T {
        let (dbs, formats) = (dbs, blockFormats)
        return try environment.read { (txn) throws(StoreError) in
            try body(ReadSnapshot(txn: txn, dbs: dbs, blockFormats: formats))
        }
    }

    private func plan<T>(_ body: (QueryPlanner) throws(StoreError) -> T) throws(StoreError) -> T {
        let codec = codec
        return try read { (snapshot) throws(StoreError) in try body(QueryPlanner(snapshot: snapshot, codec: codec)) }
    }

    // MARK: Stats

    /// Counts and sizes, from one snapshot.
    public func stats() throws(StoreError) -> StoreStats {
        let info = try environment.info()
        var stats = try read { (snapshot) throws(StoreError) in try StoreStats(snapshot, map: info) }
        stats.fileBytes = EnvelopeStore.fileSize(directory + "/data.mdb") ?? 0
        return stats
    }

    // MARK: Retention and compaction

    /// Applies the retention policy: removes what outlived its age, then the oldest while the
    /// store is over its size cap, then frees emptied blocks and moves the live records out of
    /// mostly-dead ones. Works in transactions of at most `batch` removals, so readers and
    /// ingest interleave with a long sweep.
    public func sweep(now: UInt32, batch: Int = 1000) async throws(StoreError) -> SweepReport {
        let writer = try activeWriter()
        var report = SweepReport()
        let budget = max(1, batch)
        while true {
            // A step's figures count only once its commit succeeded, which is when they return.
            let step = try await writer.submit(weight: 0) { (context) throws(StoreError) -> SweepReport in
                var step = SweepReport()
                step.expired = try context.expire(now: now, budget: budget)
                // The size cap applies to what the ages leave, so it waits for expiry to finish.
                if step.expired < budget { step.evicted = try context.evict(budget: budget - step.expired) }
                step.relocated = try context.reclaimTouchedBlocks()
                step.blocksFreed = context.blocks.blocksFreed
                return step
            }
            report.expired += step.expired
            report.evicted += step.evicted
            report.relocated += step.relocated
            report.blocksFreed += step.blocksFreed
            report.transactions += 1
            if step.expired + step.evicted < budget { break }
        }
        // Sweeps run periodically: the first one that finds enough samples trains the dictionary.
        if configuration.dictionary != nil, configuration.compressionLevel > 0, codec.dictionaryInUse == nil {
            _ = try await trainDictionary()
        }
        return report
    }

    /// Writes a compacting copy (LMDB's MDB_CP_COMPACT: live pages only, free list dropped)
    /// of the current snapshot into `destination`, which must not hold a store. The store
    /// stays open and usable meanwhile.
    public func compact(to destination: String) throws(StoreError) {
        do {
            try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        } catch {
            throw .io(operation: "mkdir", path: destination, errno: EACCES)
        }
        if FileManager.default.fileExists(atPath: destination + "/data.mdb") {
            throw .invalidArgument("\(destination) already holds a database")
        }
        try environment.copyCompacted(to: destination)
    }

    /// Compacts the store in `directory` in place: a compacting copy, then an atomic rename
    /// over the old file. Needs the store closed everywhere (`StoreError.busy` otherwise).
    /// Returns the file's size before and after.
    public static func compactInPlace(at directory: String) throws(StoreError) -> (before: UInt64, after: UInt64) {
        let lock = try DirectoryLock(directory: directory, exclusive: true)
        let data = directory + "/data.mdb"
        let staging = directory + "/compacting"
        guard let before = fileSize(data) else { throw .io(operation: "stat", path: data, errno: ENOENT) }
        try? FileManager.default.removeItem(atPath: staging)
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false)
        } catch {
            throw .io(operation: "mkdir", path: staging, errno: EACCES)
        }
        do {
            let environment = try Environment(directory: directory, mapBytes: 1 << 20, readOnly: false)
            try environment.copyCompacted(to: staging)
        }
        guard rename(staging + "/data.mdb", data) == 0 else { throw .io(operation: "rename", path: data, errno: errno) }
        // The lock file describes readers of the old file; nobody has it open (we hold the
        // directory lock exclusively), so it is safe to drop and LMDB recreates it.
        unlink(directory + "/lock.mdb")
        try? FileManager.default.removeItem(atPath: staging)
        guard let after = fileSize(data) else { throw .io(operation: "stat", path: data, errno: ENOENT) }
        withExtendedLifetime(lock) {}
        return (before, after)
    }

    static func fileSize(_ path: String) -> UInt64? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = attributes[.size] as? NSNumber else { return nil }
        return size.uint64Value
    }
}
