import Logging
import MailvaultStore
import ServiceLifecycle

/// Runs the archive's retention sweep every `sweepInterval` seconds until graceful shutdown.
struct RetentionSweeper: Service {
    let node: Node
    let onSweep: @Sendable (SweepReport) -> Void

    func run() async throws {
        let interval = Duration.seconds(Int(max(1, node.configuration.sweepInterval)))
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let report = try await node.archive.sweep(now: node.clock(), batch: 1000)
                onSweep(report)
                if report.expired + report.evicted > 0 {
                    node.logger.info("retention sweep", metadata: ["expired": "\(report.expired)", "evicted": "\(report.evicted)"])
                }
            } catch {
                node.logger.error("retention sweep failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}

/// Signs a checkpoint every `checkpointInterval` seconds (which also marks the node alive for
/// its coverage record) and records the time of a clean stop.
struct CheckpointRecorder: Service {
    let node: Node

    func run() async throws {
        let interval = Duration.seconds(Int(max(1, node.configuration.checkpointInterval)))
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            do {
                try node.provider.checkpoint(archive: node.archive, now: node.clock())
            } catch {
                node.logger.error("checkpoint failed", metadata: ["error": "\(error)"])
            }
        }
        node.provider.stopped(at: node.clock())
    }
}

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
