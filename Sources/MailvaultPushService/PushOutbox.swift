import Foundation
import MailvaultCore
import MailvaultStore
import Synchronization

/// Notifications written down before they are attempted, so that a crash or SIGKILL mid-delivery
/// delivers them after the restart (at least once; each keeps its id, so receivers deduplicate).
///
/// Storage: an append-only log, `DATA_DIR/push/outbox.log`. `add` lines (one per notification,
/// every notification of an ingest batch in one synced write) and `done` lines (delivered, dead,
/// or their registration gone). On open, the adds without a done are pending again, their
/// attempts starting over. The log is rewritten whole (`AtomicFile.replace`) when it holds more
/// than twice the pending notifications plus 4096 lines.
public final class PushOutbox: Sendable {
    /// A notification waiting for delivery.
    public struct Entry: Sendable, Equatable {
        /// `Notification.id` of the registration and the envelope: the same after a restart, so
        /// a receiver deduplicates on it (`webhook-id`, the Web Push payload's `id`).
        public var id: String
        /// The registration it goes to.
        public var registration: String
        /// The envelope it tells of.
        public var notice: PushNotice
        /// When the notification was written (Unix seconds).
        public var created: UInt32
        /// Attempts so far (kept across restarts).
        public var attempts = 0
        /// Not before (Unix seconds, fractional).
        public var due: Double
        /// Taken by a delivery that has not reported back yet.
        public var inFlight = false

        /// A notification written at `created`, due at `due`.
        public init(id: String, registration: String, notice: PushNotice, created: UInt32, due: Double) {
            self.id = id
            self.registration = registration
            self.notice = notice
            self.created = created
            self.due = due
        }
    }

    private let path: String
    private let state: Mutex<(pending: [String: Entry], lines: Int)>

    /// Opens (or creates) the outbox in `dataDirectory/push`.
    public init(dataDirectory: String) throws(PushRegistryError) {
        let directory = try PushService.directory(in: dataDirectory)
        path = directory + "/outbox.log"
        var pending: [String: Entry] = [:]
        var lines = 0
        for line in (AtomicFile.read(path) ?? []).split(separator: 10) {
            lines += 1
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any],
                  let id = object["id"] as? String else { continue }
            switch object["op"] as? String {
            case "add":
                guard let registration = object["registration"] as? String, let topic = (object["topic"] as? String).flatMap({ try? Topic(hex: $0) }),
                      let hash = (object["hash"] as? String).flatMap({ try? Hash256(hex: $0) }),
                      let sent = (object["sent"] as? NSNumber)?.uint32Value, let created = (object["created"] as? NSNumber)?.uint32Value
                else { continue }
                pending[id] = Entry(id: id, registration: registration, notice: PushNotice(topic: topic, hash: hash, sent: sent),
                                    created: created, due: 0)
                pending[id]?.attempts = (object["attempts"] as? NSNumber)?.intValue ?? 0
            case "attempt":
                if let attempts = (object["attempts"] as? NSNumber)?.intValue { pending[id]?.attempts = attempts }
            case "done":
                pending[id] = nil
            default:
                continue
            }
        }
        state = Mutex((pending, lines))
    }

    /// Notifications pending.
    public var count: Int { state.withLock { $0.pending.count } }

    /// Writes `entries` (those not already pending) durably, in one synced append, then holds them.
    /// Returns how many were new.
    @discardableResult
    public func add(_ entries: [Entry]) throws(PushRegistryError) -> Int {
        try state.withLock { state throws(PushRegistryError) in
            let fresh = entries.filter { state.pending[$0.id] == nil }
            guard !fresh.isEmpty else { return 0 }
            try append(fresh.map(PushOutbox.addLine), state: &state)
            for entry in fresh { state.pending[entry.id] = entry }
            return fresh.count
        }
    }

    /// Takes the pending notifications due at `now` that no delivery holds, oldest first, at most
    /// `limit`: they are in flight until `retry` or `finish` reports on them.
    public func take(now: Double, limit: Int) -> [Entry] {
        state.withLock { state in
            let taken = state.pending.values.filter { $0.due <= now && !$0.inFlight }
                .sorted { ($0.created, $0.id) < ($1.created, $1.id) }.prefix(limit)
            for entry in taken { state.pending[entry.id]?.inFlight = true }
            return Array(taken)
        }
    }

    /// Gives back notifications taken but not attempted (more than a pass could send): due
    /// again as they were, with no attempt counted.
    public func release(_ ids: [String]) {
        state.withLock { state in
            for id in ids { state.pending[id]?.inFlight = false }
        }
    }

    /// Records what deliveries came to, in one synced append: `finished` notifications
    /// (delivered, dead, or their registration gone) are not attempted again, after a restart
    /// either; each of `retries` counts one more attempt (kept across restarts, so the attempt
    /// limit holds) and is due again at its time (after a restart, at once). Memory is updated
    /// even when the write fails: a finished notification not marked on disk goes again after a
    /// restart (at least once).
    public func record(finished: [String], retries: [(id: String, due: Double)]) throws(PushRegistryError) {
        guard !finished.isEmpty || !retries.isEmpty else { return }
        try state.withLock { state throws(PushRegistryError) in
            var lines = finished.map { Array(#"{"id":"\#($0)","op":"done"}"#.utf8) }
            for retry in retries {
                guard var entry = state.pending[retry.id] else { continue }
                entry.attempts += 1
                entry.due = retry.due
                entry.inFlight = false
                state.pending[retry.id] = entry
                lines.append(Array(#"{"attempts":\#(entry.attempts),"id":"\#(retry.id)","op":"attempt"}"#.utf8))
            }
            for id in finished { state.pending[id] = nil }
            try append(lines, state: &state)
            compactIfMostlyHistory(&state)
        }
    }

    private func append(_ lines: [[UInt8]], state: inout (pending: [String: Entry], lines: Int)) throws(PushRegistryError) {
        // One write and one fsync for the whole group: AtomicFile appends the joined lines whole
        // or not at all.
        let joined = Array(lines.joined(separator: [10]))
        do {
            try AtomicFile.appendLine(joined, to: path)
        } catch {
            throw .storage("\(error)")
        }
        state.lines += lines.count
    }

    /// Rewrites the log as the pending adds alone once it is mostly history (called after
    /// `finish`, when the in-memory state matches the log, so nothing finished is written back).
    private func compactIfMostlyHistory(_ state: inout (pending: [String: Entry], lines: Int)) {
        if state.lines > 2 * state.pending.count + 4096 {
            let pending = state.pending.values.sorted { $0.created < $1.created }.map(PushOutbox.addLine)
            if (try? AtomicFile.replaceLines(path, with: pending)) != nil { state.lines = pending.count }
        }
    }

    /// An `add` line, written by hand: every field is a number or hex digits, so nothing needs
    /// escaping, and a burst of thousands of notifications costs one pass over them.
    private static func addLine(_ entry: Entry) -> [UInt8] {
        Array(#"{"attempts":\#(entry.attempts),"created":\#(entry.created),"hash":"\#(entry.notice.hash)","id":"\#(entry.id)","op":"add","registration":"\#(entry.registration)","sent":\#(entry.notice.sent),"topic":"\#(entry.notice.topic)"}"#.utf8)
    }
}
