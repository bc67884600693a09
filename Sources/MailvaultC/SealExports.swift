import CMailvaultHeader
import Foundation
import MailvaultCore

/// The most threads one seal may ask for: beyond the core count they only add overhead, and a
/// huge number from a bad argument must not create that many tasks.
private let maximumSealThreads: UInt32 = 1024

/// `mv_cancel_new`: a new cancel handle.
@_cdecl("mv_cancel_new")
public func mv_cancel_new() -> OpaquePointer? {
    Handles.make(CancelHandle())
}

/// `mv_cancel_trigger`: cancels every seal using the handle. Any thread; NULL is ignored.
@_cdecl("mv_cancel_trigger")
public func mv_cancel_trigger(_ cancel: OpaquePointer?) {
    guard let cancel else { return }
    Handles.object(cancel, as: CancelHandle.self).trigger()
}

/// `mv_cancel_is_triggered`: 1 once triggered. Any thread.
@_cdecl("mv_cancel_is_triggered")
public func mv_cancel_is_triggered(_ cancel: OpaquePointer?) -> Int32 {
    guard let cancel else { return 0 }
    return Handles.object(cancel, as: CancelHandle.self).isTriggered ? 1 : 0
}

/// `mv_cancel_free`: releases the handle; NULL is ignored.
@_cdecl("mv_cancel_free")
public func mv_cancel_free(_ cancel: OpaquePointer?) {
    guard let cancel else { return }
    Handles.release(cancel, as: CancelHandle.self)
}

/// `mv_seal_options_init`: the defaults (TTL 50 s as go-ethereum's DefaultTTL, 1 s budget, all cores).
@_cdecl("mv_seal_options_init")
public func mv_seal_options_init(_ options: UnsafeMutablePointer<mv_seal_options>?) {
    guard let options else { return }
    var defaults = mv_seal_options()
    defaults.struct_size = UInt32(MemoryLayout<mv_seal_options>.size)
    defaults.ttl = 50
    defaults.work_time_ms = 1000
    options.pointee = defaults
}

/// `mv_seal`: finds a nonce with `LaneSealer`, blocking the caller; cancellable through `cancel`.
@_cdecl("mv_seal")
public func mv_seal(_ options: UnsafePointer<mv_seal_options>?, _ cancel: OpaquePointer?,
                    _ out: UnsafeMutablePointer<OpaquePointer?>?,
                    _ outStats: UnsafeMutablePointer<mv_seal_stats>?) -> Int32 {
    runCall { () throws(CAPIError) in
        guard let size = options?.pointee.struct_size else { throw .null("options") }
        let options = try Arguments.sized(options, size: size, "options").pointee
        let out = try Arguments.output(out, "out")
        let data = try Arguments.bytes(options.data, count: options.data_length, "options.data")
        guard data.count <= IngestPolicy.hardMaximumSize else {
            throw .invalid("data is \(data.count) bytes, more than the 10 MiB any node accepts")
        }
        guard options.threads <= maximumSealThreads else {
            throw .invalid("threads must be at most \(maximumSealThreads), got \(options.threads)")
        }
        let goal: SealRequest.Goal = options.maximize != 0 ? .maximize : .pow(options.target_pow)
        let topic = bytes(of: options.topic)
        let request = SealRequest(expiry: options.expiry, ttl: options.ttl,
                                  topic: Topic(topic[0], topic[1], topic[2], topic[3]), data: Array(data),
                                  goal: goal, workTime: .milliseconds(Int64(options.work_time_ms)))
        let threads = options.threads == 0 ? ProcessInfo.processInfo.activeProcessorCount : Int(options.threads)
        let canceller = cancel.map { Handles.object($0, as: CancelHandle.self) }
        if canceller?.isTriggered == true { throw CAPIError(SealError.cancelled) }

        let sealer = LaneSealer(threads: threads)
        let start = ContinuousClock.now
        var registration: UInt64?
        let outcome = BlockingCall.run({ () async -> Result<SealResult, SealError> in
            do throws(SealError) {
                return .success(try await sealer.seal(request))
            } catch {
                return .failure(error)
            }
        }, started: { task in registration = canceller?.register(task) })
        if let registration { canceller?.unregister(registration) }

        switch outcome {
        case .success(let result):
            outStats?.pointee = mv_seal_stats(pow: result.pow, attempts: result.attempts, seconds: result.seconds)
            out.pointee = Handles.make(EnvelopeHandle(result.envelope))
        case .failure(let error):
            if case .targetNotReached(let best, let attempts) = error {
                outStats?.pointee = mv_seal_stats(pow: best, attempts: attempts,
                                                  seconds: Double(ContinuousClock.now - start))
            }
            throw CAPIError(error)
        case nil:
            throw CAPIError(SealError.cancelled)
        }
    }
}

extension Double {
    /// Seconds in a duration.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = Double(seconds) + Double(attoseconds) / 1e18
    }
}
