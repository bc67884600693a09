import Foundation

/// Base64 in the two alphabets push uses: URL-safe without padding (Web Push keys, JWTs, RFC
/// 8291 test values) and standard with padding (Standard Webhooks).
enum Base64Text {
    /// The URL-safe encoding of `bytes`, without `=` padding (RFC 4648 §5, RFC 7515 §2).
    static func urlEncode(_ bytes: some Collection<UInt8>) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    /// The bytes of URL-safe base64 text, with or without padding (browsers' `toJSON()` gives
    /// it without; some libraries add it); `nil` for any character outside that alphabet.
    static func urlDecode(_ text: some StringProtocol) -> [UInt8]? {
        var standard = ""
        standard.reserveCapacity(text.utf8.count + 3)
        for character in text.unicodeScalars {
            switch character {
            case "-": standard.append("+")
            case "_": standard.append("/")
            case "+", "/": return nil
            default: standard.unicodeScalars.append(character)
            }
        }
        while standard.hasSuffix("=") { standard.removeLast() }
        guard standard.utf8.count % 4 != 1 else { return nil }
        standard += String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4)
        return Data(base64Encoded: standard).map { Array($0) }
    }

    /// Standard base64 with padding.
    static func encode(_ bytes: some Collection<UInt8>) -> String { Data(bytes).base64EncodedString() }

    /// The bytes of standard, padded base64 text; `nil` for anything else.
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        Data(base64Encoded: String(text)).map { Array($0) }
    }
}
