import Foundation
import Logging
import MailvaultAccountability
import MailvaultCore
import MailvaultStore
import Synchronization

/// The provider's accountable state: its key, what it vouches to cover (with the gaps it
/// recorded itself), its signed descriptor and its signed checkpoints.
///
/// Persisted in the data directory as `coverage.json` (first start, gaps, last time alive,
/// descriptor sequence) and `checkpoints.jsonl` (one signed checkpoint per line), so that a
/// restart keeps the history and records the downtime as a gap. Both are written atomically
/// and synced (`AtomicFile`).
public final class ProviderState: Sendable {
    /// A signed checkpoint with its interval, decoded once.
    struct StoredCheckpoint {
        let document: SignedDocument
        let from: UInt32
        let to: UInt32

        init?(_ document: SignedDocument) {
            guard let body = try? document.decode(Checkpoint.self) else { return nil }
            self.document = document
            from = body.from
            to = body.to
        }
    }

    struct Record: Codable {
        var since: UInt32
        var gaps: [[UInt32]]
        var lastAlive: UInt32
        var sequence: UInt64
        var checkpointedTo: UInt32?
        /// Gaps that reconciliation with a peer filled, oldest first (absent in older files).
        var healed: [HealedGap]?
    }

    /// A coverage gap filled by reconciling with a peer that covered it (Docs/Accountability.md).
    public struct HealedGap: Codable, Sendable, Equatable {
        /// The gap's first and last sent time.
        public var from: UInt32, to: UInt32
        /// The address of the peer whose coverage spanned it.
        public var peer: String
        /// The peer's URL.
        public var url: String
        /// When the reconciliation that healed it finished.
        public var at: UInt32
    }

    /// The provider's identity.
    public let key: ProviderKey
    private let logger: Logger
    private let configuration: NodeConfiguration
    /// The limits the descriptor publishes (the edges' request limits).
    private let limits: ProviderDescriptor.Limits
    private let directory: String
    /// What changes while the node runs.
    private struct Live {
        var record: Record
        var descriptor: SignedDocument?
        var digest = Hash256.zero
        var expires: UInt32 = 0
        var newestIngest: UInt32?
        var checkpoints: [StoredCheckpoint]
    }

    private let state: Mutex<Live>

    /// The state kept in `configuration.dataDirectory`, read back from its files (a downtime
    /// longer than a checkpoint interval since the node was last alive is recorded as a gap).
    public init(configuration: NodeConfiguration, key: ProviderKey, limits: ProviderDescriptor.Limits, now: UInt32,
                logger: Logger) {
        self.configuration = configuration
        self.limits = limits
        self.key = key
        self.logger = logger
        directory = configuration.dataDirectory
        var record = ProviderState.read(directory + "/coverage.json")
            ?? Record(since: now, gaps: [], lastAlive: now, sequence: 0, checkpointedTo: nil)
        // Down for longer than a checkpoint interval (plus slack): envelopes sent meanwhile may
        // never have reached this node, and its receipts must say so.
        if now > record.lastAlive, now - record.lastAlive > configuration.checkpointInterval + configuration.gapSlack {
            record.gaps.append([record.lastAlive, now])
            logger.notice("recorded a coverage gap for the downtime", metadata: ["from": "\(record.lastAlive)", "to": "\(now)"])
        }
        record.lastAlive = now
        let checkpoints = ProviderState.readCheckpoints(directory + "/checkpoints.jsonl")
        state = Mutex(Live(record: record, checkpoints: checkpoints))
        persist()
        pruneCheckpoints(now: now)
    }

    /// What the provider vouches for now.
    public var coverage: Coverage {
        state.withLock { current in
            Coverage(from: current.record.since, maximumAge: configuration.store.retention.maximumAge,
                     minimumPoW: configuration.minimumPoW, newestIngest: current.newestIngest, gaps: current.record.gaps,
                     maximumEnvelopeSize: configuration.maximumEnvelopeSize)
        }
    }

    /// The gaps healed so far, oldest first.
    public var healedGaps: [HealedGap] {
        state.withLock { $0.record.healed ?? [] }
    }

    /// Heals the recorded gaps that a finished reconciliation filled: every gap inside the
    /// reconciled window (`windowStart` on, completed at `now`) that `peer`'s verified coverage
    /// spans, by a peer that accepts at least what this node accepts. Its descriptor is
    /// re-signed, so receipts vouch for the interval again. Returns the healed gaps.
    ///
    /// The rule and its reasoning are in Docs/Accountability.md.
    @discardableResult
    public func heal(windowStart: UInt32, peer: ProviderDescriptor, url: String, now: UInt32) -> [HealedGap] {
        let ours = (minimumPoW: configuration.minimumPoW, maximumSize: configuration.maximumEnvelopeSize)
        // A peer that refused envelopes this node accepts cannot vouch for holding them.
        guard peer.minimumPoW <= ours.minimumPoW, peer.maximumEnvelopeSize >= ours.maximumSize else { return [] }
        let coverage = peer.coverage
        func spans(_ gap: [UInt32]) -> Bool {
            guard gap.count == 2, gap[0] <= gap[1], gap[0] >= windowStart, gap[1] < now else { return false }
            // Every sent time of the gap is covered: after the peer's start, within its retention
            // now, and outside its own gaps.
            guard coverage.from <= gap[0], coverage.covers(sent: gap[0], at: now) else { return false }
            return !coverage.gaps.contains { $0.count == 2 && $0[0] <= gap[1] && gap[0] <= $0[1] }
        }
        let healed: [HealedGap] = state.withLock { current in
            let filled = current.record.gaps.filter(spans)
            guard !filled.isEmpty else { return [] }
            current.record.gaps.removeAll(where: spans)
            let records = filled.map { HealedGap(from: $0[0], to: $0[1], peer: peer.address, url: url, at: now) }
            current.record.healed = (current.record.healed ?? []) + records
            // The descriptor publishes the coverage: sign a new one at the next request.
            current.expires = 0
            return records
        }
        guard !healed.isEmpty else { return [] }
        persist()
        for gap in healed {
            logger.notice("healed a coverage gap", metadata: ["from": "\(gap.from)", "to": "\(gap.to)", "peer": "\(gap.peer)", "url": "\(gap.url)"])
        }
        return healed
    }

    /// Notes a successful ingest at `time`.
    public func ingested(at time: UInt32) {
        state.withLock { $0.newestIngest = time }
    }

    /// The descriptor in force and its digest, re-signed when it expired.
    public func descriptor(now: UInt32) -> (document: SignedDocument, digest: Hash256) {
        if let current = state.withLock({ current -> (SignedDocument, Hash256)? in
            guard let document = current.descriptor, current.expires > now + 60 else { return nil }
            return (document, current.digest)
        }) {
            return current
        }
        let coverage = self.coverage
        let sequence = state.withLock { current -> UInt64 in
            current.record.sequence += 1
            return current.record.sequence
        }
        let retention = configuration.store.retention
        let body = ProviderDescriptor(
            publicKey: Hex.encode(key.publicKey, prefix: true), address: key.address.description,
            software: "mailvault/\(MailvaultVersion.current)", endpoints: configuration.endpoints,
            minimumPoW: configuration.minimumPoW, maximumEnvelopeSize: configuration.maximumEnvelopeSize,
            retention: .init(maximumAge: retention.maximumAge,
                             tiers: retention.tiers.map { .init(minimumPoW: $0.minimumPoW, maximumAge: $0.maximumAge) },
                             maximumBytes: retention.maximumBytes),
            limits: limits,
            coverage: coverage, benchmark: configuration.benchmark, sequence: sequence, issuedAt: now,
            expires: now + configuration.descriptorLifetime, push: configuration.pushOffer)
        let document = SignedDocument(kind: "descriptor", document: SignedDocument.encode(body), key: key)
        let digest = SignedDocument.digest(kind: document.kind, document: document.document)
        state.withLock {
            $0.descriptor = document
            $0.digest = digest
            $0.expires = body.expires
        }
        persist()
        return (document, digest)
    }

    /// The receipt document for a page (`ReceiptSigner` signs it).
    public func receipt(endpoint: String, query: HistoryQuery, keys: [EnvelopeKey], next: EnvelopeKey?, now: UInt32) -> [UInt8] {
        let digest = descriptor(now: now).digest
        return QueryReceipt.document(endpoint: endpoint, provider: key.address, descriptor: digest, serverTime: now,
                                     query: query, keys: keys, next: next, coverage: coverage)
    }

    /// Signs a checkpoint of sent times from the last one's end to `now`, from the archive as it
    /// is, and records that the node is alive.
    public func checkpoint(archive: any Archive, now: UInt32) throws(StoreError) {
        let from = state.withLock { current in current.record.checkpointedTo.map { $0 &+ 1 } ?? current.record.since }
        guard from <= now else { return }
        var count = 0
        var fingerprint = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        var query = HistoryQuery(from: from, to: now, limit: HistoryQuery.maximumLimit)
        while true {
            let page = try archive.hashes(query)
            for entry in page.entries {
                count += 1
                fingerprint.0 ^= entry.hash.w0
                fingerprint.1 ^= entry.hash.w1
                fingerprint.2 ^= entry.hash.w2
                fingerprint.3 ^= entry.hash.w3
            }
            guard let next = page.next else { break }
            query.cursor = next
        }
        let hash = Hash256(w0: fingerprint.0, w1: fingerprint.1, w2: fingerprint.2, w3: fingerprint.3)
        let body = Checkpoint(provider: key.address.description, from: from, to: now, count: count,
                              fingerprint: hash.description, serverTime: now)
        let document = SignedDocument(kind: "checkpoint", document: SignedDocument.encode(body), key: key)
        // Kept only once it is on disk, so that a full disk skips a checkpoint (the next one
        // covers the interval) instead of serving one the node cannot remember.
        try AtomicFile.appendLine(document.json, to: directory + "/checkpoints.jsonl")
        state.withLock {
            if let stored = StoredCheckpoint(document) { $0.checkpoints.append(stored) }
            $0.record.checkpointedTo = now
            $0.record.lastAlive = now
        }
        persist()
        pruneCheckpoints(now: now)
    }

    /// How long checkpoints are kept: the longest age the store keeps any envelope for (the
    /// policy's or a tier's). An older checkpoint covers sent times the store no longer holds.
    public var checkpointRetention: UInt32 {
        let retention = configuration.store.retention
        return retention.tiers.map(\.maximumAge).reduce(retention.maximumAge, max)
    }

    /// Drops the checkpoints whose interval ended more than `checkpointRetention` before `now`,
    /// from memory and from `checkpoints.jsonl`. It waits until a day's worth has expired, so the
    /// file is rewritten about once a day rather than at every checkpoint. The file is replaced
    /// whole (written beside it, synced, renamed over it), so a reader or a backup sees the old
    /// file or the new one; when the new one cannot be written the old one stays.
    private func pruneCheckpoints(now: UInt32) {
        let age = checkpointRetention
        guard now > age else { return }
        let cutoff = now - age
        let kept: [StoredCheckpoint]? = state.withLock { current in
            guard let oldest = current.checkpoints.first, UInt64(oldest.to) + 86_400 < UInt64(cutoff) else { return nil }
            // Appended in time order with disjoint intervals: the expired ones come first.
            let expired = current.checkpoints.firstIndex { $0.to >= cutoff } ?? current.checkpoints.endIndex
            current.checkpoints.removeFirst(expired)
            return current.checkpoints
        }
        guard let kept else { return }
        let path = directory + "/checkpoints.jsonl"
        do throws(StoreError) {
            try AtomicFile.replaceLines(path, with: kept.map(\.document.json))
            logger.info("pruned checkpoints", metadata: ["olderThan": "\(cutoff)", "kept": "\(kept.count)"])
        } catch {
            logger.error("cannot prune checkpoints.jsonl", metadata: ["error": "\(error)"])
        }
    }

    /// Signed checkpoints whose interval overlaps `from...to`, oldest first, at most `limit`.
    public func checkpoints(from: UInt32, to: UInt32, limit: Int) -> [SignedDocument] {
        state.withLock { current in
            // Checkpoints are appended in time order with disjoint intervals: find the first that
            // ends at or after `from`, then take while they start at or before `to`.
            var low = 0, high = current.checkpoints.count
            while low < high {
                let middle = (low + high) / 2
                if current.checkpoints[middle].to < from { low = middle + 1 } else { high = middle }
            }
            return current.checkpoints[low...].prefix { $0.from <= to }.prefix(limit).map(\.document)
        }
    }

    /// Records the time of a clean stop, so that the next start measures the downtime from it.
    public func stopped(at now: UInt32) {
        state.withLock { $0.record.lastAlive = now }
        persist()
    }

    private func persist() {
        let record = state.withLock { $0.record }
        do throws(StoreError) {
            try AtomicFile.replace(directory + "/coverage.json", with: SignedDocument.encode(record))
        } catch {
            // The previous record stays in place; coverage is re-derived from it at the next start.
            logger.error("cannot write coverage.json", metadata: ["error": "\(error)"])
        }
    }

    private static func read(_ path: String) -> Record? {
        guard let bytes = AtomicFile.read(path) else { return nil }
        return try? JSONDecoder().decode(Record.self, from: Data(bytes))
    }

    private static func readCheckpoints(_ path: String) -> [StoredCheckpoint] {
        guard let bytes = AtomicFile.read(path) else { return [] }
        return bytes.split(separator: 10).compactMap { (try? SignedDocument(json: Array($0))).flatMap(StoredCheckpoint.init) }
    }
}
