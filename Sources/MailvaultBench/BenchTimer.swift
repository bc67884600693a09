/// Timing loops: wall-clock time on the monotonic clock, as `openssl speed -elapsed` measures.
enum BenchTimer {
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Calls `body` (which performs `operations` operations and returns a value derived from its
    /// result) until `duration` seconds have passed; returns operations per second.
    static func rate(for duration: Double, operations: Int, _ body: () throws -> UInt64) rethrows -> Double {
        let clock = ContinuousClock()
        var sink: UInt64 = 0
        var calls = 0
        let start = clock.now
        var elapsed = 0.0
        repeat {
            sink ^= try body()
            calls += 1
            elapsed = seconds(clock.now - start)
        } while elapsed < duration
        consume(sink)
        return Double(calls * operations) / elapsed
    }

    /// Milliseconds `body` takes, once.
    static func milliseconds(_ body: () throws -> UInt64) rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let sink = try body()
        let elapsed = seconds(clock.now - start) * 1000
        consume(sink)
        return elapsed
    }

    /// Keeps the optimizer from deleting work whose result is otherwise unused.
    @inline(never) @_optimize(none)
    static func consume(_ value: UInt64) {}
}
