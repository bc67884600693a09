import ServiceLifecycle

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
