import Foundation
import MailvaultCore
import MailvaultStore

/// The import/export stream (envelope RLPs back to back, raw or one zstd frame), read through a
/// real file as `mailvault import` reads it. Differential: a raw stream that reads cleanly is
/// written back byte for byte, and the same envelopes survive a zstd round trip.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImportStream(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Data(bytes: data, count: size)
    let directory = FileManager.default.temporaryDirectory.path
    let path = directory + "/mailvault-fuzz-import-\(getpid())"
    guard FileManager.default.createFile(atPath: path, contents: input),
          let handle = FileHandle(forReadingAtPath: path) else { return 0 }
    defer { try? handle.close() }
    var envelopes: [Envelope] = []
    let compressed: Bool
    do {
        let reader = try EnvelopeStreamReader(handle: handle)
        while let envelope = try reader.next() { envelopes.append(envelope) }
        compressed = reader.isCompressed
    } catch {
        return 0
    }
    for level: Int32? in [nil, 1] {
        let copyPath = path + "-copy"
        guard FileManager.default.createFile(atPath: copyPath, contents: nil),
              let out = FileHandle(forWritingAtPath: copyPath) else { return 0 }
        do {
            let writer = try EnvelopeStreamWriter(handle: out, compressionLevel: level)
            for envelope in envelopes { try writer.write(envelope) }
            try writer.finish()
            try out.close()
            if level == nil && !compressed {
                // Read through FileHandle: FileManager.contents(atPath:) leaks its buffer for an
                // empty file in swift-foundation 6.3 (found by this target).
                let written = try FileHandle(forReadingFrom: URL(fileURLWithPath: copyPath)).readToEnd() ?? Data()
                precondition(written == input, "raw stream did not round-trip")
            }
            let again = try EnvelopeStreamReader(handle: FileHandle(forReadingFrom: URL(fileURLWithPath: copyPath)))
            var reread: [Envelope] = []
            while let envelope = try again.next() { reread.append(envelope) }
            precondition(reread == envelopes, "written stream reads back differently")
        } catch {
            preconditionFailure("writing or re-reading a valid stream failed: \(error)")
        }
    }
    return 0
}
