import Foundation

/// The temporary directory that holds the bench's stores. It is removed when the bench ends,
/// when it fails, and on SIGINT (Ctrl-C) or SIGTERM: a dispatch signal source on a queue of its
/// own removes it and exits with 128 + the signal number (130 for Ctrl-C), as a shell would
/// report. The source runs on its own thread, so a measuring loop that never yields cannot
/// delay it.
final class BenchScratch: @unchecked Sendable {
    let path: String
    private var sources: [DispatchSourceSignal] = []
    private static let signals = [SIGINT, SIGTERM]

    /// Creates `parent/mailvault-bench-PID-RANDOM`; `parent` must exist.
    init(parent: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw BenchError("--data-dir \(parent) is not an existing directory")
        }
        let name = "mailvault-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        path = URL(fileURLWithPath: parent).appendingPathComponent(name).path
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        } catch {
            throw BenchError("cannot create a temporary directory in \(parent): \(error.localizedDescription)")
        }
        let queue = DispatchQueue(label: "mailvault.bench.signals")
        for signalNumber in BenchScratch.signals {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            let path = self.path
            source.setEventHandler {
                try? FileManager.default.removeItem(atPath: path)
                FileHandle.standardError.write(Data("\nmailvault: interrupted; removed \(path)\n".utf8))
                // _exit, not exit: the measuring threads keep running during exit's handlers,
                // and a store writer must not get the chance to recreate files.
                _exit(128 + signalNumber)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// A path inside the directory (not created: the store creates its own).
    func path(_ name: String) -> String {
        path + "/" + name
    }

    func remove(_ name: String) {
        try? FileManager.default.removeItem(atPath: path(name))
    }

    /// Removes the directory and gives the signals their default action back.
    func close() {
        for source in sources { source.cancel() }
        sources = []
        for signalNumber in BenchScratch.signals { signal(signalNumber, SIG_DFL) }
        try? FileManager.default.removeItem(atPath: path)
    }
}
