import Foundation
import Logging
import ServiceLifecycle

/// Runs the store's retention sweep every `sweepInterval` seconds until graceful shutdown.
struct RetentionSweeper: Service {
    let server: MailvaultServer

    func run() async throws {
        let interval = Duration.seconds(Int(max(1, server.configuration.sweepInterval)))
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let report = try await server.store.sweep(now: server.clock())
                server.metrics.sweptExpired.increment(by: report.expired)
                server.metrics.sweptEvicted.increment(by: report.evicted)
                if report.expired + report.evicted > 0 {
                    server.logger.info("retention sweep", metadata: ["expired": "\(report.expired)",
                                                                      "evicted": "\(report.evicted)"])
                }
            } catch {
                server.logger.error("retention sweep failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}

/// Sends keep-alive comments on live subscriptions every `interval` seconds.
struct KeepAliveTicker: Service {
    let hub: SubscriptionHub
    let interval: UInt32

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(Int(max(1, interval)))) }
            hub.keepAlive()
        }
    }
}

/// Signs a checkpoint every `checkpointInterval` seconds (which also marks the node alive for
/// its coverage record) and records the time of a clean stop.
struct CheckpointRecorder: Service {
    let server: MailvaultServer

    func run() async throws {
        let interval = Duration.seconds(Int(max(1, server.configuration.checkpointInterval)))
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            do {
                try server.provider.checkpoint(store: server.store, now: server.clock())
            } catch {
                server.logger.error("checkpoint failed", metadata: ["error": "\(error)"])
            }
        }
        server.provider.stopped(at: server.clock())
    }
}
