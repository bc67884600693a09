import CMailvaultHeader

/// `mv_api_version`: the API version of the linked library. Any thread.
@_cdecl("mv_api_version")
public func mv_api_version() -> UInt32 {
    MailvaultCAPI.apiVersion
}

/// `mv_version_string`: a static string, never freed. Any thread.
@_cdecl("mv_version_string")
public func mv_version_string() -> UnsafePointer<CChar> {
    StaticStrings.version
}

/// `mv_status_name`: a static name for a status code. Any thread.
@_cdecl("mv_status_name")
public func mv_status_name(_ status: Int32) -> UnsafePointer<CChar> {
    guard status >= 0, Int(status) < StaticStrings.statusNames.count else { return StaticStrings.unknownStatus }
    return StaticStrings.statusNames[Int(status)]
}

/// `mv_last_error_message`: the calling thread's last error message. Any thread.
@_cdecl("mv_last_error_message")
public func mv_last_error_message() -> UnsafePointer<CChar> {
    LastError.message
}
