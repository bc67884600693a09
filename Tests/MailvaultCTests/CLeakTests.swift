import Foundation
import Testing

/// AddressSanitizer and LeakSanitizer over the C API: the example, built with
/// `-fsanitize=address` against the (uninstrumented) Swift library, runs many
/// open/ingest/query/close cycles; any LeakSanitizer report fails the test. Swift's allocations
/// go through malloc, which ASan intercepts, so leaks inside the library are seen too; a
/// control program that forgets one `mv_envelope_free` proves the check can fail.
@Suite("C API under AddressSanitizer")
struct CLeakTests {
    /// A program that leaks one envelope handle on purpose.
    static let leakingProgram = """
        #include "mailvault.h"
        static const uint8_t vector[] = {0xcf, 0x80, 0x01, 0x84, 0, 0, 0, 0, 0x84, 0xde, 0xad, 0xbe, 0xef, 0x82, 0x01, 0x14};
        int main(void) {
            /* Many handles, each overwritten: one left in a register or on the stack at exit
               would still count as reachable, the others cannot. */
            for (int i = 0; i < 100; i++) {
                mv_envelope *envelope = 0;
                if (mv_envelope_decode(vector, sizeof vector, &envelope) != MV_OK) return 2;
            }
            return 0;
        }
        """

    static let sanitizerFlags = ["-g", "-fsanitize=address", "-fno-omit-frame-pointer"]
    static let environment = ["ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=23"]

    @Test("LeakSanitizer is active: a forgotten mv_envelope_free is reported")
    func controlLeakIsReported() throws {
        let directory = try CBuild.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = directory + "/leak.c"
        try Self.leakingProgram.write(toFile: source, atomically: true, encoding: .utf8)
        let build = try CBuild.compile([source], output: directory + "/leak", flags: Self.sanitizerFlags)
        try #require(build.status == 0, "compile failed: \(build.stderr)")
        let run = try CBuild.run(directory + "/leak", [], environment: Self.environment)
        #expect(run.stderr.contains("ERROR: LeakSanitizer: detected memory leaks"), "\(run.stderr)")
        #expect(run.stderr.contains("mv_envelope_decode"))
        #expect(run.status == 23)
    }

    @Test("open/ingest/query/close cycles leak nothing")
    func cyclesDoNotLeak() throws {
        let directory = try CBuild.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let build = try CBuild.compile([CExampleTests.example], output: directory + "/example-asan",
                                       flags: Self.sanitizerFlags)
        try #require(build.status == 0, "compile failed: \(build.stderr)")
        let run = try CBuild.run(directory + "/example-asan", ["25"], environment: Self.environment)
        #expect(!run.stderr.contains("Sanitizer"), "\(run.stderr)")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("cycles: 25"))
    }
}
