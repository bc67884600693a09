import MailvaultCore

/// A client's signature over one HTTP request, sent in the `Mailvault-Signature` header so that a
/// node selling subscriptions knows whose paid time a request uses (Docs/API.md, "Signed
/// requests"):
///
///     Mailvault-Signature: t=1767225600, a=0x<client address>, s=0x<65-byte signature>
///
/// `s` is the client key's recoverable secp256k1 signature over the digest rule of every signed
/// Mailvault document (`keccak256("mailvault/v1/" ++ kind ++ 0x00 ++ document)`) with kind
/// `request` and the document `METHOD ++ "\n" ++ path ++ "\n" ++ query ++ "\n" ++ t` (the query as
/// sent, without `?`, empty when there is none). `t` is Unix seconds; a node accepts it within
/// `tolerance` of its own clock, so a captured header replays only the same request, briefly.
public struct RequestSignature: Sendable, Equatable {
    /// The header's name.
    public static let headerName = "Mailvault-Signature"
    /// The signed document's kind.
    public static let kind = "request"
    /// How far `t` may be from the node's clock, in seconds.
    public static let tolerance: UInt32 = 300
    /// The longest header value accepted.
    public static let maximumLength = 256

    /// When the client signed, Unix seconds.
    public let time: UInt32
    /// The address the client claims to sign with.
    public let signer: ProviderAddress
    /// The signature.
    public let signature: RecoverableSignature

    /// The document signed for a request.
    public static func document(method: String, path: String, query: String, time: UInt32) -> [UInt8] {
        Array("\(method.uppercased())\n\(path)\n\(query)\n\(time)".utf8)
    }

    /// Signs a request with `key` at `time`.
    public init(method: String, path: String, query: String, time: UInt32, key: ProviderKey) {
        self.time = time
        signer = key.address
        signature = SignedDocument(kind: RequestSignature.kind, document: RequestSignature.document(
            method: method, path: path, query: query, time: time), key: key).signature
    }

    /// The header's value.
    public var header: String {
        "t=\(time), a=\(signer), s=\(Hex.encode(signature.bytes, prefix: true))"
    }

    /// Parses a header value strictly: `t`, `a` and `s`, each once, in any order, separated by
    /// commas with optional spaces; `t` up to 10 decimal digits, `a` 20 bytes and `s` 65 bytes
    /// of `0x`-prefixed hex. The signature is not checked here (`verify`).
    public init(header: String) throws(AccountabilityError) {
        guard header.utf8.count <= RequestSignature.maximumLength else {
            throw .malformedDocument("the \(RequestSignature.headerName) header is longer than \(RequestSignature.maximumLength) bytes")
        }
        var fields: [String: Substring] = [:]
        for part in header.split(separator: ",", omittingEmptySubsequences: false) {
            let item = part.drop { $0 == " " }
            guard let equals = item.firstIndex(of: "="), !item[item.index(after: equals)...].contains(" ") else {
                throw .malformedDocument("\(RequestSignature.headerName) is t=…, a=…, s=…")
            }
            let name = String(item[..<equals])
            guard ["t", "a", "s"].contains(name), fields[name] == nil else {
                throw .malformedDocument("\(RequestSignature.headerName) has an unknown or repeated parameter '\(name.prefix(8))'")
            }
            fields[name] = item[item.index(after: equals)...]
        }
        guard let t = fields["t"], let a = fields["a"], let s = fields["s"] else {
            throw .malformedDocument("\(RequestSignature.headerName) needs t, a and s")
        }
        guard (1...10).contains(t.utf8.count), t.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let time = UInt32(t) else {
            throw .malformedDocument("t is Unix seconds")
        }
        guard a.utf8.count == 42, s.utf8.count == 132, let bytes = try? Hex.decode(String(s)),
              let signature = RecoverableSignature(bytes: bytes) else {
            throw .malformedDocument("a is a 20-byte and s a 65-byte 0x-prefixed hex value")
        }
        self.time = time
        signer = try ProviderAddress(hex: String(a))
        self.signature = signature
    }

    /// Checks the signature for this request and the time against `now`; returns the signer.
    public func verify(method: String, path: String, query: String, now: UInt32) throws(AccountabilityError) -> ProviderAddress {
        let skew = time > now ? time - now : now - time
        guard skew <= RequestSignature.tolerance else {
            throw .malformedDocument("the request was signed at \(time), more than \(RequestSignature.tolerance) s from the node's clock (\(now))")
        }
        let signed = SignedDocument(kind: RequestSignature.kind,
                                    document: RequestSignature.document(method: method, path: path, query: query, time: time),
                                    signature: signature, signer: signer, path: [])
        try signed.verify()
        return signer
    }
}
