import Foundation

/// Progress on standard error: on a terminal one live line (section, step, elapsed) redrawn
/// four times a second; otherwise a plain log, one line per section, round and note, so that
/// a log file or CI output stays readable. Standard output is left to the report.
final class BenchProgress: @unchecked Sendable {
    private let live: Bool
    private let lock = NSLock()
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private var sectionStarted: ContinuousClock.Instant
    private var section = ""
    private var position = ""
    private var stepText = ""
    private var timer: DispatchSourceTimer?

    /// `live` on a terminal; pass `isatty(STDERR_FILENO) != 0`.
    init(live: Bool) {
        self.live = live
        started = clock.now
        sectionStarted = started
        guard live else { return }
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "mailvault.bench.progress"))
        timer.schedule(deadline: .now(), repeating: .milliseconds(250))
        timer.setEventHandler { [weak self] in self?.redraw() }
        timer.resume()
        self.timer = timer
    }

    /// Seconds since the bench started.
    var elapsed: Double {
        BenchTimer.seconds(clock.now - started)
    }

    func begin(_ name: BenchSectionName, index: Int, of count: Int) {
        lock.withLock {
            section = name.rawValue
            position = "\(index)/\(count)"
            stepText = name.summary
            sectionStarted = clock.now
        }
        log("\(name.rawValue) (\(index)/\(count)): \(name.summary)")
    }

    /// What is running now (shown live only).
    func step(_ text: String) {
        lock.withLock { stepText = text }
    }

    /// One round of runs is over (logged: the plain log's heartbeat). `what` names the group
    /// of figures when a section measures several in turn.
    func roundFinished(_ round: Int, of rounds: Int, what: String? = nil) {
        let name = lock.withLock { section }
        log("\(name): \(what.map { $0 + ", " } ?? "")run \(round)/\(rounds) done")
    }

    /// A line that stays, on a terminal too.
    func log(_ text: String) {
        lock.withLock {
            let line = String(format: "mailvault bench: [%6.1f s] ", BenchTimer.seconds(clock.now - started)) + text
            write((live ? "\r\u{1B}[K" : "") + line + "\n")
        }
        redraw()
    }

    /// Stops the live line and clears it.
    func finish() {
        lock.withLock {
            guard let timer else { return }
            timer.cancel()
            self.timer = nil
            write("\r\u{1B}[K")
        }
    }

    private func redraw() {
        lock.withLock {
            guard live, timer != nil, !section.isEmpty else { return }
            let now = clock.now
            var line = "[\(position) \(section)] \(stepText) · "
                + String(format: "%.1f s (total %.1f s)", BenchTimer.seconds(now - sectionStarted),
                         BenchTimer.seconds(now - started))
            let width = BenchProgress.terminalWidth
            if line.count > width - 1 { line = String(line.prefix(width - 2)) + "…" }
            write("\r\u{1B}[K" + line)
        }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    private static var terminalWidth: Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 10 else { return 100 }
        return Int(size.ws_col)
    }
}
