import Logging
import ServiceLifecycle

/// Removes expired push registrations (and tombstones past their use) every minute until
/// graceful shutdown, compacting the registration log when it is mostly history.
public struct PushRegistrySweeper: Service {
    let registry: PushRegistry
    let clock: @Sendable () -> UInt32
    let logger: Logger
    let onSweep: @Sendable (Int) -> Void

    /// A sweeper over `registry`; `onSweep` is told the live count after each sweep.
    public init(registry: PushRegistry, clock: @escaping @Sendable () -> UInt32, logger: Logger,
                onSweep: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.registry = registry
        self.clock = clock
        self.logger = logger
        self.onSweep = onSweep
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let expired = try registry.expire(now: clock())
                if expired > 0 { logger.info("push registrations expired", metadata: ["count": "\(expired)"]) }
            } catch {
                logger.error("push registry sweep failed", metadata: ["error": "\(error)"])
            }
            onSweep(registry.count)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(60)) }
        }
    }
}
