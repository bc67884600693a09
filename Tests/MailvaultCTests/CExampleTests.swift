import Foundation
import Testing

/// Builds Docs/examples/c/example.c with the system C compiler against mailvault.h and the
/// built libMailvaultC, runs it, and checks what it prints.
@Suite("C example")
struct CExampleTests {
    static let example = CBuild.packageRoot.appendingPathComponent("Docs/examples/c/example.c").path

    @Test("the example compiles, runs and prints the expected results")
    func exampleRuns() throws {
        let directory = try CBuild.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = directory + "/example"
        let build = try CBuild.compile([Self.example], output: binary)
        try #require(build.status == 0, "compile failed: \(build.stderr)")
        let run = try CBuild.run(binary, ["2"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        ExampleOutput.check(run.stdout)
    }
}
