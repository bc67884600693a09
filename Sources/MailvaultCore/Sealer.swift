/// What to seal: an envelope's fields, what PoW to reach and how long to try.
public struct SealRequest: Sendable {
    /// What the nonce search aims for.
    public enum Goal: Sendable, Equatable {
        /// Stop at the first nonce whose PoW reaches this value.
        case pow(Double)
        /// Search for the whole time budget and keep the best nonce (go-ethereum's mode for a
        /// negative PoW).
        case maximize
    }

    public var expiry: UInt32
    public var ttl: UInt32
    public var topic: Topic
    public var data: [UInt8]
    public var goal: Goal
    /// The longest the search may run.
    public var workTime: Duration

    /// A request to seal `[expiry, ttl, topic, data]`.
    public init(expiry: UInt32, ttl: UInt32, topic: Topic, data: [UInt8], goal: Goal, workTime: Duration) {
        self.expiry = expiry
        self.ttl = ttl
        self.topic = topic
        self.data = data
        self.goal = goal
        self.workTime = workTime
    }
}

/// A sealed envelope and what it cost.
public struct SealResult: Sendable {
    /// The envelope with the nonce found.
    public var envelope: Envelope
    /// Its PoW (diff 0).
    public var pow: Double
    /// Nonces tried.
    public var attempts: UInt64
    /// Wall time spent searching.
    public var seconds: Double

    /// Nonces tried per second.
    public var rate: Double { seconds > 0 ? Double(attempts) / seconds : 0 }

    public init(envelope: Envelope, pow: Double, attempts: UInt64, seconds: Double) {
        self.envelope = envelope
        self.pow = pow
        self.attempts = attempts
        self.seconds = seconds
    }
}

/// Why sealing did not produce an envelope.
public enum SealError: Error, Equatable, Sendable, CustomStringConvertible {
    /// TTL 0 makes every PoW infinite; such envelopes are refused by every node.
    case zeroTTL
    /// The wanted PoW is not a positive finite number.
    case invalidTarget(Double)
    /// Even 256 leading zero bits would not reach the wanted PoW for this size and TTL.
    case targetUnreachable(Double)
    /// The time budget ran out before the target was reached.
    case targetNotReached(best: Double, attempts: UInt64)
    /// The surrounding task was cancelled.
    case cancelled

    public var description: String {
        switch self {
        case .zeroTTL: "TTL must be at least 1 second"
        case .invalidTarget(let pow): "PoW target \(pow) is not a positive number"
        case .targetUnreachable(let pow): "PoW \(pow) is unreachable for this envelope size and TTL"
        case .targetNotReached(let best, let attempts):
            "work time ran out after \(attempts) attempts; best PoW \(best) is below the target"
        case .cancelled: "sealing was cancelled"
        }
    }
}

/// Anything that finds nonces: the engine underneath can change without callers noticing.
public protocol EnvelopeSealer: Sendable {
    /// Searches nonces for `request` and returns the sealed envelope.
    func seal(_ request: SealRequest) async throws(SealError) -> SealResult
}

extension SealRequest {
    /// The envelope without its nonce, the PoW's fixed prefix.
    public var rlpWithoutNonce: [UInt8] {
        Envelope(expiry: expiry, ttl: ttl, topic: topic, data: data, nonce: 0).rlpWithoutNonce
    }

    /// The leading zero bits the search needs, or the reason there is no such number.
    /// `nil` for `.maximize`.
    func requiredLeadingZeros(rlpWithoutNonceLength: Int) throws(SealError) -> Int? {
        guard ttl > 0 else { throw .zeroTTL }
        guard case .pow(let pow) = goal else { return nil }
        guard pow > 0, pow.isFinite else { throw .invalidTarget(pow) }
        guard let bits = ProofOfWork.requiredLeadingZeros(
            pow: pow, rlpWithoutNonceLength: rlpWithoutNonceLength, ttl: ttl)
        else { throw .targetUnreachable(pow) }
        return bits
    }

    /// The outcome of a search that ended with `nonce` as its best: the sealed envelope, or
    /// `targetNotReached` when the goal needed `required` zeros and the best fell short.
    func result(nonce: UInt64, leadingZeros: Int, required: Int?, rlpWithoutNonceLength: Int,
                attempts: UInt64, seconds: Double) throws(SealError) -> SealResult {
        let pow = ProofOfWork.value(leadingZeros: leadingZeros, rlpWithoutNonceLength: rlpWithoutNonceLength, ttl: ttl)
        if let required, leadingZeros < required {
            throw .targetNotReached(best: pow, attempts: attempts)
        }
        let envelope = Envelope(expiry: expiry, ttl: ttl, topic: topic, data: data, nonce: nonce)
        return SealResult(envelope: envelope, pow: pow, attempts: attempts, seconds: seconds)
    }
}
