import Foundation
import Testing

/// Builds Docs/examples/nim/example.nim (the C example's program in Nim, over `mailvault.nim`'s
/// `importc` declarations of the same header) with Debian's Nim, linked against the shared and
/// against the static library, runs it and checks it prints what the C example prints.
extension LanguageExampleTests {
@Suite("Nim example")
struct NimExampleTests {
    static let example = CBuild.packageRoot.appendingPathComponent("Docs/examples/nim/example.nim").path
    static let nim = CBuild.tool("nim")

    func buildAndRun(linkFlags: [String]?, arguments: [String] = ["2"]) async throws -> CBuild.Output {
        let nim = try #require(Self.nim, "nim is not installed (Scripts/setup installs nim)")
        let flags = try #require(linkFlags, "the MailvaultC libraries are not built")
        let directory = try CBuild.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = directory + "/example"
        // One C compiler at a time, so that the suites running beside this one keep a core.
        let build = try await CBuild.runOffPool(nim, ["c", "-d:release", "--hints:off", "--parallelBuild:1", "--nimcache:\(directory)/cache",
                                         "--passC:-I\(CBuild.includeDirectory)", "--passL:\(flags.joined(separator: " "))",
                                         "-o:\(binary)", Self.example])
        try #require(build.status == 0, "nim c failed: \(build.stdout) \(build.stderr)")
        return try await CBuild.runOffPool(binary, arguments)
    }

    @Test("the Nim program, linked against the shared library, prints what the C example prints")
    func sharedLibrary() async throws {
        let run = try await buildAndRun(linkFlags: CBuild.sharedLinkFlags)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        ExampleOutput.check(run.stdout)
    }

    @Test("the Nim program, linked against the static library, prints the same")
    func staticLibrary() async throws {
        let run = try await buildAndRun(linkFlags: CBuild.staticLinkFlags)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        ExampleOutput.check(run.stdout)
    }
}
}
