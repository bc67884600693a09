/// RFC 4648 §6 base32 (alphabet A-Z 2-7) without padding, as EIP-1459 writes subdomain labels
/// and tree keys (go-ethereum's `base32.StdEncoding.WithPadding(NoPadding)`).
public enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// The encoding of `bytes`, upper case, without `=` padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        UnpaddedRFC4648.encode(bytes, width: 5, alphabet: alphabet)
    }

    /// The bytes `text` encodes, or `nil` for a character outside the upper-case alphabet, padding,
    /// an impossible length, or non-zero bits after the last byte.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let input = Array(text.utf8)
        guard [0, 2, 4, 5, 7].contains(input.count % 8) else { return nil }
        return UnpaddedRFC4648.decode(input, width: 5) { character in
            switch character {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): character - UInt8(ascii: "A")
            case UInt8(ascii: "2")...UInt8(ascii: "7"): character - UInt8(ascii: "2") + 26
            default: nil
            }
        }
    }
}
