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
/// - Reads (`query`, `hashes`, `envelope(hash:)`, `presence(of:)`, `stats()`, `keySummary`,
///   `keys`, `splitKeys`) may run on any thread at any time. Each runs in its own LMDB read
///   transaction, a snapshot that writers never block and that never sees half a commit.
/// - Other processes may open the same directory (LMDB serialises their writers too).
/// - `close()` (or releasing the store) finishes queued writes first.
///
/// The store is a facade over the parts that do the work: `QueryPlanner` answers reads from a
/// `ReadSnapshot` and `SyncBucketReader` federation's key-range questions from one;
/// `StoreWriter` runs every write as a job on a `WriteContext`; `SchemaMigrator` brings an
/// older database up to date at open; `RetentionSweep`, `Compaction` and
/// `DictionaryTrainer` do the maintenance.
///
/// `@unchecked Sendable`: nothing it stores changes after `open` returns (`writer` and
/// `blockFormats` are `var` only because `init` sets them after other work); writes are
/// serialised by `StoreWriter`, and the codec guards its dictionary itself.
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
        let newest = try read { (snapshot) throws(StoreError) -> (UInt32, [UInt8])? in
            let source = snapshot.dictionaries
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

    /// A dictionary trained from the newest compressible records under the configured policy.
    private func dictionaryTraining() throws(StoreError) -> (bytes: [UInt8], samples: Int)? {
        guard let policy = configuration.dictionary, configuration.compressionLevel > 0 else { return nil }
        let codec = codec
        return try read { (snapshot) throws(StoreError) in
            try DictionaryTrainer.train(from: snapshot, policy: policy, codec: codec)
        }
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
        let batch = try prepare(envelopes, work: work)
        return try await activeWriter().submit(weight: max(1, envelopes.count)) { (context) throws(StoreError) in
            try batch.insert(into: context)
        }
    }

    /// `ingest` for synchronous callers: blocks the calling thread until the commit is durable.
    public func ingestAndWait(_ envelopes: [Envelope], work: [PoWCheck]? = nil) throws(StoreError) -> [IngestResult] {
        let batch = try prepare(envelopes, work: work)
        return try activeWriter().submitAndWait(weight: max(1, envelopes.count)) { (context) throws(StoreError) in
            try batch.insert(into: context)
        }
    }

    /// Prepares a batch with this store's codec, recording the PoW when a retention tier needs it.
    func prepare(_ envelopes: [Envelope], work: [PoWCheck]?,
                 lanes: Int = ProcessInfo.processInfo.activeProcessorCount) throws(StoreError) -> PreparedBatch {
        try PreparedBatch(envelopes, work: work, codec: codec, recordsPoW: !configuration.retention.tiers.isEmpty,
                          lanes: lanes)
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

    // MARK: Key ranges (federation)

    /// Count and hash-sum of the stored keys in [lower, upper); `upper == nil` is past the last key.
    ///
    /// Costs a few hundred reads of the sync buckets and a scan of at most two 64-second
    /// buckets at the ends, whatever the range's size.
    public func keySummary(from lower: EnvelopeKey, to upper: EnvelopeKey?) throws(StoreError) -> KeySetSummary {
        try read { (snapshot) throws(StoreError) in
            try SyncBucketReader(snapshot: snapshot, codec: codec).summary(from: lower, to: upper)
        }
    }

    /// The stored keys in [lower, upper), ascending, at most `limit`; `upper == nil` is past the
    /// last key. A negative `limit` is `invalidArgument`.
    public func keys(from lower: EnvelopeKey, to upper: EnvelopeKey?, limit: Int) throws(StoreError) -> [EnvelopeKey] {
        guard limit >= 0 else { throw .invalidArgument("the key limit is \(limit); it must be at least 0") }
        return try read { (snapshot) throws(StoreError) in
            try SyncBucketReader(snapshot: snapshot, codec: codec).keys(from: lower, to: upper, limit: limit)
        }
    }

    /// Up to `parts - 1` keys strictly inside (lower, upper), ascending, each the first key of a
    /// part, splitting the range into parts of about equal key counts; `upper == nil` is past
    /// the last key.
    ///
    /// Bucket edges (`EnvelopeKey.first(sent:)`, which encode shortest) are preferred; inside a
    /// single crowded bucket the split is at actual keys. A range of fewer than two keys, or
    /// `parts == 1`, gives no key; `parts < 1` is `invalidArgument`.
    public func splitKeys(from lower: EnvelopeKey, to upper: EnvelopeKey?, parts: Int) throws(StoreError) -> [EnvelopeKey] {
        guard parts >= 1 else { throw .invalidArgument("a range is split into \(parts) parts; it must be at least 1") }
        return try read { (snapshot) throws(StoreError) in
            try SyncBucketReader(snapshot: snapshot, codec: codec).split(from: lower, to: upper, parts: parts)
        }
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
        // The environment's figures are read inside the snapshot, so its last page is at least
        // the snapshot's.
        var stats = try read { (snapshot) throws(StoreError) in try StoreStats(snapshot, map: try environment.info()) }
        stats.fileBytes = Compaction.fileSize(directory + "/data.mdb") ?? 0
        return stats
    }

    // MARK: Retention and compaction

    /// Applies the retention policy: removes what outlived its age, then the oldest while the
    /// store is over its size cap, then frees emptied blocks and moves the live records out of
    /// mostly-dead ones. Works in transactions of at most `batch` removals, so readers and
    /// ingest interleave with a long sweep.
    public func sweep(now: UInt32, batch: Int = 1000) async throws(StoreError) -> SweepReport {
        let report = try await RetentionSweep(now: now, budget: max(1, batch)).run(on: try activeWriter())
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
        try Compaction.copy(environment, to: destination)
    }

    /// Compacts the store in `directory` in place: a compacting copy, then an atomic rename
    /// over the old file. Needs the store closed everywhere (`StoreError.busy` otherwise).
    /// Returns the file's size before and after.
    public static func compactInPlace(at directory: String) throws(StoreError) -> (before: UInt64, after: UInt64) {
        try Compaction.inPlace(at: directory)
    }
}
