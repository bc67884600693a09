import CMailvaultHeader

/// Facts about the C API that the exports and the header share.
enum MailvaultCAPI {
    /// The library's version string (`mv_version_string`); the major and minor match the API's.
    static let versionString = "1.0.0"

    /// `MV_API_VERSION` of this build: major << 16 | minor.
    static let apiVersion = UInt32(MV_API_VERSION_MAJOR) << 16 | UInt32(MV_API_VERSION_MINOR)

    /// The names of the status codes, indexed by code (`mv_status_name`).
    static let statusNames = [
        "MV_OK", "MV_ERR_NULL", "MV_ERR_INVALID_ARGUMENT", "MV_ERR_DECODE", "MV_ERR_CLOSED",
        "MV_ERR_NOT_FOUND", "MV_ERR_CANCELLED", "MV_ERR_TARGET_NOT_REACHED", "MV_ERR_IO", "MV_ERR_CORRUPT",
        "MV_ERR_BUSY", "MV_ERR_DISK_FULL", "MV_ERR_UNSUPPORTED_SCHEMA", "MV_ERR_STORE", "MV_ERR_OUT_OF_RANGE",
    ]
}
