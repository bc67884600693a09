import MailvaultCore

/// What the initiator learnt from a reply.
public struct ReconcileOutcome: Equatable, Sendable {
    /// The next message to send, or `nil` when reconciliation is complete.
    public var next: [UInt8]?
    /// Ids this side has and the peer lacks, found in this reply.
    public var have: [Hash256]
    /// Ids the peer has and this side lacks, found in this reply.
    public var need: [Hash256]
}

/// How the initiator opens: one fingerprint of its window, or the reference implementations'
/// opening, the window already split (16 fingerprints, or an IdList under 32 items).
public enum SyncOpening: Sendable {
    /// One fingerprint range: identical sets agree in one round trip of a few dozen bytes.
    case fingerprint
    /// The reference opening, byte for byte the same as theirs over the whole space.
    case split
}

/// Negentropy version 1 over a `SyncIndex`: the initiator's side (`initiate`, then `reconcile`
/// each reply until it returns no next message) and the responder's (`respond`, one call per
/// message, no state kept between them).
///
/// The initiator may reconcile only a window of the space: ranges outside it are skipped, and
/// ranges the responder sends across its edges are split at them.
public struct Reconciler<Index: SyncIndex> {
    /// The set this side holds.
    public let index: Index
    /// How messages are shaped.
    public let options: ReconcilerOptions
    /// The initiator's window, set by `initiate`.
    public private(set) var window: Range<SyncBound>?

    /// A reconciler over `index`; throws if `options` are invalid.
    public init(index: Index, options: ReconcilerOptions = ReconcilerOptions()) throws(SyncError) {
        try options.validate()
        self.index = index
        self.options = options
    }

    /// The initiator's first message, reconciling the items in [lower, upper): a Skip up to
    /// `lower` (when it is above zero), then the window as `opening` says; the rest up to
    /// infinity is the spec's implicit Skip.
    public mutating func initiate(from lower: SyncBound = .zero, to upper: SyncBound = .infinity,
                                  opening: SyncOpening = .fingerprint) throws(SyncError) -> [UInt8] {
        guard lower < upper else { throw .emptyWindow }
        var writer = MessageWriter()
        switch opening {
        case .fingerprint:
            let summary = try index.summary(from: lower, to: upper)
            writer.append(NegentropyRange(upperBound: upper, payload: .fingerprint(Fingerprint(summary))), from: lower)
        case .split:
            try split(from: lower, to: upper, into: &writer)
        }
        window = lower..<upper
        return writer.bytes
    }

    /// The initiator's step: reads the responder's reply and returns the next message (nil when
    /// done) with the ids found to differ.
    public func reconcile(_ reply: [UInt8]) throws(SyncError) -> ReconcileOutcome {
        guard let window else { throw .notInitiated }
        let message = try NegentropyMessage(bytes: reply, limits: options.limits)
        var outcome = ReconcileOutcome(next: nil, have: [], need: [])
        let writer = try process(message, window: window, have: &outcome.have, need: &outcome.need)
        outcome.next = writer.isEmpty ? nil : writer.bytes
        return outcome
    }

    /// The responder's answer to one message. A message of another Negentropy version
    /// (0x60-0x6F) is answered with `[0x61]`, the version this side speaks.
    public func respond(to query: [UInt8]) throws(SyncError) -> [UInt8] {
        let message: NegentropyMessage
        do {
            message = try NegentropyMessage(bytes: query, limits: options.limits)
        } catch {
            if case .unsupportedVersion = error { return [NegentropyMessage.version1] }
            throw error
        }
        var have = [Hash256](), need = [Hash256]()
        return try process(message, window: nil, have: &have, need: &need).bytes
    }

    /// Walks the ranges of `message` as the reference implementations do, for either side:
    /// `window` is the initiator's, nil for the responder.
    private func process(_ message: NegentropyMessage, window: Range<SyncBound>?,
                         have: inout [Hash256], need: inout [Hash256]) throws(SyncError) -> MessageWriter {
        let budget = options.frameSizeLimit != 0 ? options.frameSizeLimit : options.limits.maxMessageBytes
        // The references' margin: stop 200 bytes short, leaving room for the closing fingerprint.
        func exceeded(_ size: Int) -> Bool { size > budget - 200 }

        var writer = MessageWriter()
        var lower = SyncBound.zero
        var splits = 0
        for range in message.ranges {
            let rangeLower = lower
            lower = range.upperBound
            var low = rangeLower, high = range.upperBound
            if let window {
                low = max(low, window.lowerBound)
                high = min(high, window.upperBound)
            }
            guard low < high else { continue }
            // A range crossing the window's edge cannot be compared; its part inside is split.
            let whole = low == rangeLower && high == range.upperBound
            let checkpoint = writer.checkpoint
            var keepOnOverflow = false

            switch range.payload {
            case .skip:
                continue
            case let .fingerprint(theirs):
                if whole, try Fingerprint(index.summary(from: low, to: high)) == theirs { continue }
                try split(from: low, to: high, into: &writer)
                splits += 1
            case let .idList(theirs):
                if window != nil {
                    let ours = try index.items(from: low, to: high, limit: options.limits.maxIdsPerList.addingReportingOverflow(1).overflow ? .max : options.limits.maxIdsPerList + 1)
                    if whole, ours.count <= options.limits.maxIdsPerList {
                        compare(ours, with: theirs, have: &have, need: &need)
                        continue
                    }
                    try split(from: low, to: high, into: &writer)
                    splits += 1
                } else {
                    // The responder answers with all of its ids in the range, as many as the frame
                    // holds; the rest is covered by the closing fingerprint.
                    let base = writer.bytes.count
                    let limit = min(options.limits.maxIdsPerList, budget / 32 + 1)
                    let ours = try index.items(from: low, to: high, limit: limit + 1)
                    var ids = [Hash256]()
                    var end = high
                    for item in ours {
                        if exceeded(base + 32 * ids.count) || ids.count == limit {
                            end = SyncBound(item)
                            break
                        }
                        ids.append(item.id)
                    }
                    writer.append(NegentropyRange(upperBound: end, payload: .idList(ids)), from: low)
                    keepOnOverflow = true
                }
            }

            if exceeded(writer.bytes.count) || splits > options.maxSplitsPerMessage {
                if !keepOnOverflow { writer.rollBack(to: checkpoint) }
                // Unlike the references (which fingerprint from the end of the range just dropped),
                // the closing fingerprint covers exactly what it claims: everything after the last
                // range written.
                let end = window?.upperBound ?? .infinity
                if writer.end < end {
                    let rest = try index.summary(from: writer.end, to: end)
                    writer.append(NegentropyRange(upperBound: end, payload: .fingerprint(Fingerprint(rest))))
                }
                break
            }
        }
        return writer
    }

    /// Writes [lower, upper) split as the references do: an IdList under the threshold, else
    /// one fingerprint per part of the index's split.
    private func split(from lower: SyncBound, to upper: SyncBound, into writer: inout MessageWriter) throws(SyncError) {
        let summary = try index.summary(from: lower, to: upper)
        if summary.count < UInt64(options.idListThreshold) {
            let items = try index.items(from: lower, to: upper, limit: Int(summary.count))
            writer.append(NegentropyRange(upperBound: upper, payload: .idList(items.map(\.id))), from: lower)
            return
        }
        let bounds = try index.split(from: lower, to: upper, parts: options.branching)
        guard !bounds.isEmpty, bounds.count < options.branching else {
            throw .index("split of a range of \(summary.count) items gave \(bounds.count) bounds (1 to \(options.branching - 1) expected)")
        }
        var start = lower
        for bound in bounds + [upper] {
            guard start < bound, bound <= upper else {
                throw .index("split bound \(bound) is not inside (\(start), \(upper))")
            }
            let part = try index.summary(from: start, to: bound)
            writer.append(NegentropyRange(upperBound: bound, payload: .fingerprint(Fingerprint(part))), from: start)
            start = bound
        }
    }

    /// The initiator's comparison of its ids in a range with the responder's list.
    private func compare(_ ours: [SyncItem], with theirs: [Hash256], have: inout [Hash256], need: inout [Hash256]) {
        var remaining = Set(theirs)
        for item in ours where remaining.remove(item.id) == nil { have.append(item.id) }
        for id in theirs where remaining.remove(id) != nil { need.append(id) }
    }
}

extension Reconciler: Sendable where Index: Sendable {}
