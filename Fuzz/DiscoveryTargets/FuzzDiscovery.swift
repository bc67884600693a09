import MailvaultAccountability
import MailvaultCore
import MailvaultDiscovery

/// Node records, tree entries and DNS answers come from whoever controls a DNS zone or the path to
/// it. The first input byte picks the parser; the rest is its input. Whatever parses must print
/// back to the same text (the strict parsers accept one form per value), re-parse to an equal
/// value, and keep the limits it promises.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDiscovery(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let selector = data[0]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch selector % 4 {
    case 0:
        if let record = try? NodeRecord(encoded: bytes) {
            precondition(record.encoded == bytes && record.encoded.count <= NodeRecord.maximumSize)
            guard let again = try? NodeRecord(text: record.text) else { preconditionFailure("a record's text does not re-parse") }
            precondition(again == record)
            _ = try? ProviderEndpoints(record: record)
        }
    case 1:
        let text = String(decoding: bytes, as: UTF8.self)
        if let entry = try? TreeEntry(text: text) {
            precondition(entry.text == text, "an entry parsed from a text that is not its canonical form")
            guard let again = try? TreeEntry(text: entry.text) else { preconditionFailure("an entry's text does not re-parse") }
            precondition(again == entry)
            precondition(TreeEntry.matches(text, label: TreeEntry.label(of: text)))
        }
    case 2:
        if let endpoints = try? ProviderEndpoints(encodedValue: bytes) {
            guard let again = try? ProviderEndpoints(encodedValue: endpoints.pair.value) else {
                preconditionFailure("endpoints do not re-parse")
            }
            precondition(again == endpoints)
        }
    default:
        if bytes.count >= 2 {
            let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
            _ = try? DNSMessage.parse(Array(bytes.dropFirst(2)), id: id, name: "abc.example.org")
        }
    }
    return 0
}
