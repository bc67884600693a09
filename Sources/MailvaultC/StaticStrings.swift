#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// NUL-terminated strings the C API returns without transferring ownership: allocated once,
/// never freed, so callers may keep the pointers for the life of the process.
enum StaticStrings {
    /// "".
    nonisolated(unsafe) static let empty: UnsafePointer<CChar> = make("")
    /// The library version, `MailvaultCAPI.versionString`.
    nonisolated(unsafe) static let version: UnsafePointer<CChar> = make(MailvaultCAPI.versionString)
    /// The status names, indexed by code.
    nonisolated(unsafe) static let statusNames: [UnsafePointer<CChar>] = MailvaultCAPI.statusNames.map(make)
    /// The name for codes this build does not know.
    nonisolated(unsafe) static let unknownStatus: UnsafePointer<CChar> = make("MV_ERR_UNKNOWN")

    private static func make(_ string: String) -> UnsafePointer<CChar> {
        let bytes = Array(string.utf8CString)
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
        pointer.initialize(from: bytes, count: bytes.count)
        return UnsafePointer(pointer)
    }
}
