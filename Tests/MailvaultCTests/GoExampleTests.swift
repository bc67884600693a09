import Foundation
import Testing

/// Builds Docs/examples/go (a Go package over the C API and a program) with Debian's Go,
/// linked against the shared and against the static library, runs the program and checks it
/// prints what the C example prints; then runs the package's own tests under the race detector
/// (16 goroutines on one store handle, a cancelled seal, bad input).
@Suite("Go example", .serialized)
struct GoExampleTests {
    static let module = CBuild.packageRoot.appendingPathComponent("Docs/examples/go").path
    static let go = CBuild.tool("go", extra: ["/usr/lib/go/bin", "/usr/local/go/bin"])

    /// cgo's flags and a Go cache inside the build folder (no home directory needed).
    static func environment(linkFlags: [String]) -> [String: String] {
        let cache = CBuild.packageRoot.appendingPathComponent(".build/go").path
        return ["CGO_ENABLED": "1", "CGO_CFLAGS": "-I\(CBuild.includeDirectory)",
                "CGO_LDFLAGS": linkFlags.joined(separator: " "),
                "GOCACHE": cache + "/cache", "GOPATH": cache + "/path", "GOFLAGS": "-mod=mod", "GO111MODULE": "on"]
    }

    static func goTool() throws -> String {
        try #require(go, "go is not installed (Scripts/setup installs golang-go)")
    }

    func buildAndRun(linkFlags: [String]?) throws {
        let go = try Self.goTool()
        let flags = try #require(linkFlags, "the MailvaultC libraries are not built")
        let directory = try CBuild.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = directory + "/example"
        let build = try CBuild.run(go, ["build", "-o", binary, "./cmd/example"],
                                   environment: Self.environment(linkFlags: flags), in: Self.module)
        try #require(build.status == 0, "go build failed: \(build.stderr)")
        let run = try CBuild.run(binary, ["2"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        ExampleOutput.check(run.stdout)
    }

    @Test("the Go program, linked against the shared library, prints what the C example prints")
    func sharedLibrary() throws {
        try buildAndRun(linkFlags: CBuild.sharedLinkFlags)
    }

    @Test("the Go program, linked against the static library, prints the same")
    func staticLibrary() throws {
        try buildAndRun(linkFlags: CBuild.staticLinkFlags)
    }

    @Test("go vet and go test -race pass: concurrent use of one store, cancellation, bad input")
    func goTestRace() throws {
        let go = try Self.goTool()
        let flags = try #require(CBuild.sharedLinkFlags, "the MailvaultC libraries are not built")
        let environment = Self.environment(linkFlags: flags)
        let vet = try CBuild.run(go, ["vet", "./..."], environment: environment, in: Self.module)
        #expect(vet.status == 0, "go vet: \(vet.stdout) \(vet.stderr)")
        let test = try CBuild.run(go, ["test", "-race", "-count=1", "-timeout", "300s", "./..."],
                                  environment: environment, in: Self.module)
        #expect(test.status == 0, "go test -race: \(test.stdout) \(test.stderr)")
        #expect(test.stdout.contains("ok  \texample.com/mailvault/mailvault"), "\(test.stdout)")
    }
}
