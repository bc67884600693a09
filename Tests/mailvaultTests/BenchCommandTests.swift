import Foundation
import MailvaultTestSupport
import Testing

/// `mailvault bench` at the hidden test sizes: the document's shape, never a speed.
@Suite("mailvault bench")
struct BenchCommandTests {
    /// Runs the built binary with `environment` added to (or replacing) this process's.
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> CLI.Output {
        let output = try await MailvaultExecutable.run(arguments, environment: environment)
        return CLI.Output(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "mailvault-bench-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A figure or ratio: positive, finite, min <= median <= max, every run positive and finite.
    static func expectSummary(_ object: [String: Any], _ what: String) {
        let median = object["median"] as? Double ?? -1
        let minimum = object["min"] as? Double ?? -1
        let maximum = object["max"] as? Double ?? -1
        let runs = object["runs"] as? [Double] ?? []
        #expect(median.isFinite && median > 0, "\(what): median \(median)")
        #expect(minimum.isFinite && minimum > 0 && minimum <= median, "\(what): min \(minimum)")
        #expect(maximum.isFinite && maximum >= median, "\(what): max \(maximum)")
        #expect(!runs.isEmpty && runs.allSatisfy { $0.isFinite && $0 > 0 }, "\(what): runs \(runs)")
        #expect((object["unit"] as? String)?.isEmpty == false, "\(what): unit")
        #expect((object["label"] as? String)?.isEmpty == false, "\(what): label")
    }

    @Test("--quick --json: every section, the machine, positive finite figures and ratios, an SVG, no store left")
    func fullDocument() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plot = directory + "/bench.svg"
        let storeParent = directory + "/stores"
        try FileManager.default.createDirectory(atPath: storeParent, withIntermediateDirectories: true)
        let output = try await Self.run(["bench", "--quick", "--json", "--test-sizes", "--data-dir", storeParent, "--plot", plot])
        #expect(output.status == 0, "stderr: \(output.stderr)")
        #expect(output.stderr.contains("ingest"), "a plain progress log on stderr")
        let document = try CLI.json(output)

        #expect(document["mailvault"] as? String != nil)
        #expect(document["date"] as? String != nil)
        #expect((document["seconds"] as? Double ?? 0) > 0)
        let sections = try #require(document["sections"] as? [String])
        #expect(sections == ["keccak", "verify", "seal", "ingest", "query"])
        let plan = try #require(document["plan"] as? [String: Any])
        #expect(plan["mode"] as? String == "tiny")
        #expect((plan["runs"] as? Int ?? 0) >= 2)

        let machine = try #require(document["machine"] as? [String: Any])
        #expect((machine["cpuModel"] as? String)?.isEmpty == false)
        #expect((machine["cores"] as? Int ?? 0) > 0)
        #expect((machine["memoryBytes"] as? Int ?? 0) > 0)
        #expect((machine["os"] as? String)?.isEmpty == false)
        #expect((machine["mailvaultVersion"] as? String)?.isEmpty == false)
        let simd = try #require(machine["simd"] as? [String: Any])
        #expect((simd["kernels"] as? [String])?.contains("scalar") == true)
        #expect(machine.keys.contains("openssl"))
        #expect(machine["dataDirectory"] as? String == storeParent)

        let figures = try #require(document["figures"] as? [[String: Any]])
        let names = figures.compactMap { $0["name"] as? String }
        #expect(names.count == figures.count && Set(names).count == names.count, "unique names")
        for figure in figures {
            let name = figure["name"] as? String ?? "?"
            Self.expectSummary(figure, name)
            #expect(sections.contains(figure["section"] as? String ?? ""), "\(name): section")
            #expect(["higher", "lower"].contains(figure["better"] as? String ?? ""), "\(name): better")
            #expect(figure["baseline"] as? Bool != nil, "\(name): baseline")
        }
        for section in sections {
            #expect(figures.contains { $0["section"] as? String == section }, "figures of \(section)")
        }
        for required in ["seal.1KiB.rehash", "ingest.lmdbLoop", "ingest.store", "query.topic.median", "query.topic.p99",
                         "query.bloom.median", "query.range.p99", "verify.1KiB.single.scalar"] {
            #expect(names.contains(required), "\(required) measured")
        }

        let ratios = try #require(document["ratios"] as? [[String: Any]])
        #expect(!ratios.isEmpty)
        for ratio in ratios {
            let name = ratio["name"] as? String ?? "?"
            Self.expectSummary(ratio, name)
            #expect(names.contains(ratio["figure"] as? String ?? ""), "\(name): figure")
            #expect(names.contains(ratio["baseline"] as? String ?? ""), "\(name): baseline")
        }
        let ratioNames = ratios.compactMap { $0["name"] as? String }
        #expect(ratioNames.contains("seal.1thread.vs.rehash"))
        #expect(ratioNames.contains("ingest.store.vs.lmdbLoop"))
        let notes = try #require(document["notes"] as? [String])
        if machine["openssl"] is String {
            #expect(names.contains("openssl.sha3-256.16KiB") && names.contains("openssl.sha3-256.64B"))
            #expect(ratioNames.contains("seal.1thread.vs.openssl"))
        } else {
            #expect(notes.contains { $0.contains("OpenSSL") })
        }

        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("<rect") && svg.contains("1x"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: storeParent).isEmpty, "temporary store removed")
    }

    @Test("Without openssl the baseline is skipped with a note; the table goes to stdout")
    func withoutOpenSSL() async throws {
        let output = try await Self.run(["bench", "--test-sizes", "--only", "seal,keccak"], environment: ["PATH": "/nonexistent"])
        #expect(output.status == 0, "stderr: \(output.stderr)")
        #expect(output.stdout.contains("[keccak]") && output.stdout.contains("[seal]"))
        #expect(!output.stdout.contains("[verify]"))
        #expect(output.stdout.contains("note: OpenSSL baselines skipped"))
        #expect(!output.stdout.contains("OpenSSL SHA3-256 16 KiB, one core"))
        #expect(output.stdout.contains("go-ethereum's rehash loop"))
    }

    @Test("Bad options fail with one line on stderr")
    func badOptions() async throws {
        for arguments in [["bench", "--only", "keccak,disk"], ["bench", "--plot", "chart.png"],
                          ["bench", "--test-sizes", "--only", "ingest", "--data-dir", "/nonexistent/mailvault"]] {
            let output = try await Self.run(arguments)
            #expect(output.status != 0, "\(arguments)")
            #expect(output.stdout.isEmpty, "\(arguments)")
            #expect(output.stderr.split(separator: "\n").count == 1, "\(arguments): \(output.stderr)")
        }
    }

    @Test("Ctrl-C (SIGINT) removes the temporary store and exits with 130")
    func interrupt() async throws {
        let parent = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let process = Process()
        process.executableURL = CLI.binary
        // Quick sizes: the ingest runs long enough to be interrupted mid-way.
        process.arguments = ["bench", "--quick", "--only", "ingest", "--data-dir", parent]
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()

        // Wait until a store exists inside the bench's temporary directory, then interrupt it:
        // on a thread of its own, so that a busy cooperative pool cannot delay the SIGINT
        // until the bench has finished by itself.
        let (storeSeen, stderr) = await OffPool.run {
            let deadline = Date().addingTimeInterval(60)
            var storeSeen = false
            while Date() < deadline, process.isRunning, !storeSeen {
                let scratch = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
                storeSeen = scratch.contains { name in
                    !((try? FileManager.default.contentsOfDirectory(atPath: parent + "/" + name)) ?? []).isEmpty
                }
                if !storeSeen { usleep(10_000) }
            }
            kill(process.processIdentifier, SIGINT)
            let stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (storeSeen, stderr)
        }
        #expect(storeSeen, "a temporary store was created")
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 130)
        #expect(String(decoding: stderr, as: UTF8.self).contains("interrupted"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent).isEmpty, "temporary directory removed")
    }
}
