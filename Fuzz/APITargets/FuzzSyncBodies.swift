import MailvaultAPI
import MailvaultCore

/// The sync protocol's plain bodies from a hostile peer: a hash list and an announcement line.
/// Whatever parses must encode back to the same bytes (hash lists) or to keys that parse again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let hashes = try? SyncBody.hashes(bytes) {
        precondition(SyncBody.encode(hashes: hashes) == bytes, "a hash list does not round-trip")
    }
    if let keys = try? SyncBody.announcedKeys(bytes) {
        let event = SyncBody.announcement(keys)
        let value = event.dropFirst("event: keys\ndata: ".utf8.count).dropLast(2)
        precondition((try? SyncBody.announcedKeys(value)) == keys, "an announcement does not round-trip")
    }
    return 0
}
