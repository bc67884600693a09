/// RFC 4648 §5 base64 with the URL- and filename-safe alphabet and no padding, as EIP-778's text
/// form and EIP-1459's root signature use it (go-ethereum's `base64.RawURLEncoding`).
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// The encoding of `bytes`, without `=` padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        UnpaddedRFC4648.encode(bytes, width: 6, alphabet: alphabet)
    }

    /// The bytes `text` encodes, or `nil` when it holds a character outside the alphabet, padding,
    /// an impossible length, or non-zero bits after the last byte (so each byte string has exactly
    /// one accepted text).
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 != 1 else { return nil }
        return UnpaddedRFC4648.decode(input, width: 6) { character in
            switch character {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): character - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): character - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0") + 52
            case UInt8(ascii: "-"): 62
            case UInt8(ascii: "_"): 63
            default: nil
            }
        }
    }
}
