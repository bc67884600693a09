import MailvaultCore

/// The hex parsers behind the CLI and query parameters: Hex, Topic, Bloom, Hash256.
/// Differential: whatever parses prints back to the same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHex(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let bytes = try? Hex.decode(text) else { return 0 }
    precondition(try! Hex.decode(Hex.encode(bytes, prefix: true)) == bytes)
    if let topic = try? Topic(hex: text) { precondition(topic.bytes == bytes) }
    if let bloom = try? Bloom(hex: text) { precondition(bloom.bytes == bytes) }
    if let hash = try? Hash256(hex: text) { precondition(hash.bytes == bytes) }
    return 0
}
