import Foundation

/// The built `mailvault` binary, for tests that run it as a user or a script would: found by
/// walking up from the test bundle to the build folder that holds both.
public enum MailvaultExecutable {
    /// Where the binary is (`.build/debug/mailvault` when nothing better is found).
    public static let url: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while !directory.path.isEmpty, directory.path != "/" {
            let candidate = directory.appendingPathComponent("mailvault")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate
            }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/mailvault")
    }()
}
