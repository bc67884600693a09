import CMailvaultHeader
import MailvaultCore

/// `mv_policy_check`: go-ethereum's add() rules (`IngestPolicy.check`). Any thread.
@_cdecl("mv_policy_check")
public func mv_policy_check(_ envelope: OpaquePointer?, _ policy: UnsafePointer<mv_policy>?, _ now: UInt32,
                            _ mode: Int32, _ outRejection: UnsafeMutablePointer<Int32>?,
                            _ outPow: UnsafeMutablePointer<Double>?) -> Int32 {
    runCall { () throws(CAPIError) in
        let handle = try Arguments.handle(envelope, as: EnvelopeHandle.self, "envelope")
        guard let policy = policy?.pointee else { throw .null("policy") }
        let rejection = try Arguments.output(outRejection, "out_rejection")
        let checkMode: IngestPolicy.Mode
        switch mode {
        case MV_MODE_LIVE: checkMode = .live
        case MV_MODE_ARCHIVE: checkMode = .archive
        default: throw .invalid("mode must be MV_MODE_LIVE or MV_MODE_ARCHIVE, got \(mode)")
        }
        guard policy.minimum_pow.isFinite, policy.minimum_pow >= 0 else {
            throw .invalid("minimum_pow must be a finite number >= 0, got \(policy.minimum_pow)")
        }
        let bloom = try Arguments.optional(policy.bloom, length: policy.bloom_length, expected: Bloom.byteCount,
                                           "policy.bloom").flatMap { Bloom(bytes: $0) }
        let maximumSize = policy.maximum_size == 0 ? IngestPolicy.defaultMaximumSize
                                                   : Int(clamping: policy.maximum_size)
        let rules = IngestPolicy(minimumPoW: policy.minimum_pow, maximumSize: maximumSize, bloom: bloom)
        switch rules.check(handle.envelope, now: now, mode: checkMode) {
        case .success(let pow):
            rejection.pointee = MV_ACCEPTED
            outPow?.pointee = pow
        case .failure(let reason):
            rejection.pointee = reason.cCode
            if case .lowPoW(let pow, _) = reason { outPow?.pointee = pow } else { outPow?.pointee = 0 }
        }
    }
}

extension IngestRejection {
    /// The `MV_REJECT_*` code of the reason.
    var cCode: Int32 {
        switch self {
        case .zeroTTL: MV_REJECT_ZERO_TTL
        case .future: MV_REJECT_FUTURE
        case .tooOld: MV_REJECT_TOO_OLD
        case .expired: MV_REJECT_EXPIRED
        case .tooLarge: MV_REJECT_TOO_LARGE
        case .lowPoW: MV_REJECT_LOW_POW
        case .bloomMismatch: MV_REJECT_BLOOM_MISMATCH
        }
    }
}
