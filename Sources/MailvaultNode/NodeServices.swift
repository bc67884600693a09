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
