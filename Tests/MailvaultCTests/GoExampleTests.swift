import Foundation
import Testing

/// Builds Docs/examples/go (a Go package over the C API and a program) with Debian's Go,
/// linked against the shared and against the static library, runs the program and checks it
/// prints what the C example prints; then runs the package's own tests under the race detector
/// (16 goroutines on one store handle, a cancelled seal, bad input).
extension LanguageExampleTests {
@Suite("Go example")
struct GoExampleTests {
    static let module = CBuild.packageRoot.appendingPathComponent("Docs/examples/go").path
    static let go = CBuild.tool("go", extra: ["/usr/lib/go/bin", "/usr/local/go/bin"])

    /// cgo's flags and a Go cache inside the build folder (no home directory needed). One
    /// processor for Go (builds and tests alike), so that the suites running beside these keep a
    /// core: cgo calls still run in parallel, each on a thread of its own.
    static func environment(linkFlags: [String]) -> [String: String] {
        let cache = CBuild.packageRoot.appendingPathComponent(".build/go").path
        return ["CGO_ENABLED": "1", "CGO_CFLAGS": "-I\(CBuild.includeDirectory)",
                "CGO_LDFLAGS": linkFlags.joined(separator: " "),
                "GOCACHE": cache + "/cache", "GOPATH": cache + "/path", "GOFLAGS": "-mod=mod", "GO111MODULE": "on",
                "GOMAXPROCS": "1"]
    }

    static func goTool() throws -> String {
        try #require(go, "go is not installed (Scripts/setup installs golang-go)")
    }

    func buildAndRun(linkFlags: [String]?) async throws {
        let go = try Self.goTool()
        let flags = try #require(linkFlags, "the MailvaultC libraries are not built")
        let directory = try CBuild.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = directory + "/example"
        let build = try await CBuild.runOffPool(go, ["build", "-o", binary, "./cmd/example"],
                                   environment: Self.environment(linkFlags: flags), in: Self.module)
        try #require(build.status == 0, "go build failed: \(build.stderr)")
        let run = try await CBuild.runOffPool(binary, ["2"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        ExampleOutput.check(run.stdout)
    }

    @Test("the Go program, linked against the shared library, prints what the C example prints")
    func sharedLibrary() async throws {
        try await buildAndRun(linkFlags: CBuild.sharedLinkFlags)
    }

    @Test("the Go program, linked against the static library, prints the same")
    func staticLibrary() async throws {
        try await buildAndRun(linkFlags: CBuild.staticLinkFlags)
    }

    @Test("go vet and go test -race pass: concurrent use of one store, cancellation, bad input")
    func goTestRace() async throws {
        let go = try Self.goTool()
        let flags = try #require(CBuild.sharedLinkFlags, "the MailvaultC libraries are not built")
        let environment = Self.environment(linkFlags: flags)
        let vet = try await CBuild.runOffPool(go, ["vet", "./..."], environment: environment, in: Self.module)
        #expect(vet.status == 0, "go vet: \(vet.stdout) \(vet.stderr)")
        let test = try await CBuild.runOffPool(go, ["test", "-race", "-count=1", "-timeout", "300s", "./..."],
                                  environment: environment, in: Self.module)
        #expect(test.status == 0, "go test -race: \(test.stdout) \(test.stderr)")
        #expect(test.stdout.contains("ok  \texample.com/mailvault/mailvault"), "\(test.stdout)")
    }

    /// A Go program that runs every call of the package 20 times and then asks LeakSanitizer
    /// (loaded with LD_PRELOAD; Go exits without libc's atexit handlers, so the program runs the
    /// check itself). With `leak` it first drops one decoded envelope handle, as a careless cgo
    /// caller would: the control that shows the check can fail.
    static let leakProgram = #"""
        package main

        /*
        #cgo LDFLAGS: -ldl
        #include <dlfcn.h>
        #include "mailvault.h"

        static int leak_check(void) {
            int (*check)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "__lsan_do_recoverable_leak_check");
            return check ? check() : -1;
        }

        static void drop_one_handle(void) {
            static const uint8_t vector[] = {0xcf, 0x80, 0x01, 0x84, 0, 0, 0, 0, 0x84, 0xde, 0xad, 0xbe, 0xef, 0x82, 0x01, 0x14};
            mv_envelope *envelope = NULL;
            mv_envelope_decode(vector, sizeof vector, &envelope);
        }
        */
        import "C"

        import (
            "context"
            "fmt"
            "log"
            "os"
            "time"

            "example.com/mailvault/mailvault"
        )

        func main() {
            for i := 0; i < 20; i++ {
                sealed, err := mailvault.Seal(context.Background(), mailvault.SealOptions{Expiry: 1_700_003_600 + uint32(i),
                    TTL: 3600, Data: []byte{byte(i)}, TargetPoW: 0.002, Threads: 1})
                if err != nil {
                    log.Fatal(err)
                }
                ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
                if _, err := mailvault.Seal(ctx, mailvault.SealOptions{Expiry: 10, TTL: 5, TargetPoW: 1e6, Threads: 1}); err == nil {
                    log.Fatal("an unreachable seal succeeded")
                }
                cancel()
                if _, err := mailvault.VerifyBatch([][]byte{sealed.Encoded, {0xc0}}); err != nil {
                    log.Fatal(err)
                }
                dir, err := os.MkdirTemp("", "mailvault-go-leak-")
                if err != nil {
                    log.Fatal(err)
                }
                store, err := mailvault.Open(dir, mailvault.StoreOptions{InitialMapBytes: 8 << 20})
                if err != nil {
                    log.Fatal(err)
                }
                results, err := store.Ingest([][]byte{sealed.Encoded, nil})
                if err != nil {
                    log.Fatal(err)
                }
                if _, err := store.Query(mailvault.Query{Limit: 10}); err != nil {
                    log.Fatal(err)
                }
                if _, err := store.QueryHashes(mailvault.Query{Limit: 10}); err != nil {
                    log.Fatal(err)
                }
                if _, err := store.Get(results[0].Hash); err != nil {
                    log.Fatal(err)
                }
                if _, err := store.Get([32]byte{}); err == nil {
                    log.Fatal("found an absent hash")
                }
                if _, err := store.Query(mailvault.Query{Cursor: []byte{1}}); err == nil {
                    log.Fatal("a bad cursor was taken")
                }
                store.Presence([][32]byte{results[0].Hash})
                store.Stats()
                store.Sweep(0)
                store.Close()
                store.Close()
                os.RemoveAll(dir)
            }
            if len(os.Args) > 1 && os.Args[1] == "leak" {
                C.drop_one_handle()
            }
            fmt.Println("leak check", C.leak_check())
        }
        """#

    @Test("20 rounds of every call leak nothing under LeakSanitizer, and a dropped handle is caught")
    func leakCheck() async throws {
        let go = try Self.goTool()
        let flags = try #require(CBuild.sharedLinkFlags, "the MailvaultC libraries are not built")
        let compiler = try #require(CBuild.tool("gcc") ?? CBuild.tool("cc"), "no C compiler")
        let asan = try await CBuild.runOffPool(compiler, ["-print-file-name=libasan.so"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(asan.hasPrefix("/") && FileManager.default.fileExists(atPath: asan), "no libasan.so: \(asan)")
        let directory = try CBuild.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            module leakcheck

            go 1.19

            require example.com/mailvault v0.0.0

            replace example.com/mailvault => \(Self.module)
            """.write(toFile: directory + "/go.mod", atomically: true, encoding: .utf8)
        try Self.leakProgram.replacingOccurrences(of: "    ", with: "\t")
            .write(toFile: directory + "/main.go", atomically: true, encoding: .utf8)
        let build = try await CBuild.runOffPool(go, ["build", "-o", "leakcheck", "."], environment: Self.environment(linkFlags: flags),
                                   in: directory)
        try #require(build.status == 0, "go build: \(build.stderr)")
        let environment = ["LD_PRELOAD": asan, "ASAN_OPTIONS": "detect_leaks=1:verify_asan_link_order=0"]
        let clean = try await CBuild.runOffPool(directory + "/leakcheck", [], environment: environment)
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdout.contains("leak check 0"), "\(clean.stdout) \(clean.stderr)")
        #expect(!clean.stderr.contains("LeakSanitizer"), "\(clean.stderr)")
        let leaky = try await CBuild.runOffPool(directory + "/leakcheck", ["leak"], environment: environment)
        #expect(leaky.stdout.contains("leak check 1"), "\(leaky.stdout)")
        #expect(leaky.stderr.contains("ERROR: LeakSanitizer: detected memory leaks"), "\(leaky.stderr)")
        #expect(leaky.stderr.contains("mv_envelope_decode"), "the report does not name the call: \(leaky.stderr)")
    }
}
}
