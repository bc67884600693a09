import MailvaultAccountability
import MailvaultCore

/// An Ethereum node record (EIP-778) under the "v4" identity scheme, verified.
///
/// The encoding is the RLP list `[signature, seq, k1, v1, k2, v2, ...]`: keys are byte strings,
/// sorted and unique; each value is one RLP item, kept exactly as received. "v4" requires
/// `id` = "v4" and `secp256k1` = the 33-byte compressed public key, and signs
/// keccak256(rlp([seq, k1, v1, ...])) with a 64-byte r ++ s signature. A value of this type always
/// verifies: the decoder refuses anything else, and the signing initializer makes only valid ones.
/// Keys this code does not know are kept (so the encoding round-trips) and otherwise ignored.
public struct NodeRecord: Hashable, Sendable, CustomStringConvertible {
    /// EIP-778: "The maximum encoded size of a node record is 300 bytes."
    public static let maximumSize = 300

    /// One key and its value, the value as one encoded RLP item.
    public struct Pair: Hashable, Sendable {
        /// The key's bytes (EIP-778 keys are byte strings, in practice ASCII names).
        public let key: [UInt8]
        /// The value: exactly one canonical RLP item (a string or a list).
        public let value: [UInt8]

        /// A pair whose value is the byte string `bytes`.
        public init(key: String, bytes: some Collection<UInt8>) {
            var writer = RLPWriter()
            writer.append(string: bytes)
            self.key = Array(key.utf8)
            value = writer.bytes
        }

        /// A pair whose value is already one RLP item (a list, or an integer); `value` is not
        /// checked here, the record's initializer checks it.
        public init(key: String, encodedValue: [UInt8]) {
            self.key = Array(key.utf8)
            value = encodedValue
        }

        init(key: [UInt8], value: [UInt8]) {
            self.key = key
            self.value = value
        }

        /// The key as text (keys that are not UTF-8 show with replacement characters).
        public var name: String { String(decoding: key, as: UTF8.self) }
    }

    /// The 64-byte r ++ s signature.
    public let signature: [UInt8]
    /// The sequence number: a newer record of the same node has a higher one.
    public let sequence: UInt64
    /// Every key and value, sorted by key, `id` and `secp256k1` included.
    public let pairs: [Pair]
    /// The record's key.
    public let publicKey: PublicKey
    /// The canonical encoding, at most `maximumSize` bytes.
    public let encoded: [UInt8]

    /// Signs a record for `key` with sequence number `sequence` and `pairs` (in any order; `id`
    /// and `secp256k1` are added and must not be among them).
    public init(sequence: UInt64, pairs: [Pair], key: ProviderKey) throws(NodeRecordError) {
        let all = (pairs + [Pair(key: "id", bytes: Array("v4".utf8)), Pair(key: "secp256k1", bytes: key.compressedPublicKey)])
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
        for index in all.indices.dropFirst() where all[index].key == all[index - 1].key {
            throw .duplicateKey(all[index].name)
        }
        for pair in all {
            do throws(RLPError) {
                _ = try RLPValue(decoding: pair.value)
            } catch {
                throw .rlp(error)
            }
        }
        let content = NodeRecord.content(sequence: sequence, pairs: all)
        let signature = key.signPlain(digest: Keccak256.hash(content))
        let encoded = NodeRecord.encode(signature: signature, sequence: sequence, pairs: all)
        guard encoded.count <= NodeRecord.maximumSize else { throw .tooLarge(size: encoded.count) }
        self.signature = signature
        self.sequence = sequence
        self.pairs = all
        self.publicKey = key.verifyingKey
        self.encoded = encoded
    }

    /// Decodes and verifies a record from its RLP encoding; every malformed input is a
    /// `NodeRecordError`.
    public init(encoded input: [UInt8]) throws(NodeRecordError) {
        guard input.count <= NodeRecord.maximumSize else { throw .tooLarge(size: input.count) }
        let signature: ArraySlice<UInt8>
        let signed: ArraySlice<UInt8>
        let sequence: UInt64
        var pairs: [Pair] = []
        do {
            let (list, rest) = try RLP.splitList(input[...])
            guard rest.isEmpty else { throw RLPError.trailingBytes }
            let afterSignature: ArraySlice<UInt8>
            (signature, afterSignature) = try RLP.splitString(list)
            signed = afterSignature
            var remaining: ArraySlice<UInt8>
            (sequence, remaining) = try RLP.splitUInt(afterSignature, as: UInt64.self)
            while !remaining.isEmpty {
                let (key, afterKey) = try RLP.splitString(remaining)
                guard !afterKey.isEmpty else { throw NodeRecordError.missingValue }
                let (_, _, afterValue) = try RLP.split(afterKey)
                let value = Array(afterKey[afterKey.startIndex..<afterValue.startIndex])
                _ = try RLPValue(decoding: value)
                let pair = Pair(key: Array(key), value: value)
                if let previous = pairs.last {
                    if previous.key == pair.key { throw NodeRecordError.duplicateKey(pair.name) }
                    if !previous.key.lexicographicallyPrecedes(pair.key) { throw NodeRecordError.unsortedKeys(pair.name) }
                }
                pairs.append(pair)
                remaining = afterValue
            }
        } catch let error as NodeRecordError {
            throw error
        } catch let error as RLPError {
            throw .rlp(error)
        } catch {
            preconditionFailure("only RLP and record errors are thrown above: \(error)")
        }
        guard let scheme = pairs.first(where: { $0.key == Array("id".utf8) }) else { throw .missingIdentityScheme }
        let schemeName = (try? RLP.splitString(scheme.value[...]).content).map { String(decoding: $0, as: UTF8.self) }
        guard schemeName == "v4" else { throw .unknownIdentityScheme(schemeName ?? "(a list)") }
        guard let keyPair = pairs.first(where: { $0.key == Array("secp256k1".utf8) }),
              let keyBytes = try? RLP.splitString(keyPair.value[...]).content, keyBytes.count == 33,
              let publicKey = try? PublicKey(bytes: keyBytes) else {
            throw .invalidPublicKey
        }
        let digest = Keccak256.hash(RLPWriter.listHeader(payloadLength: signed.count) + signed)
        guard signature.count == 64, publicKey.verify(signature: signature, digest: digest) else { throw .badSignature }
        self.signature = Array(signature)
        self.sequence = sequence
        self.pairs = pairs
        self.publicKey = publicKey
        encoded = input
    }

    /// Decodes and verifies a record from its text form, `enr:` + unpadded URL-safe base64.
    public init(text: some StringProtocol) throws(NodeRecordError) {
        guard text.hasPrefix("enr:") else { throw .missingPrefix }
        let body = text.dropFirst(4)
        // Checked before decoding so that no text makes the decoder allocate more than the limit.
        guard body.utf8.count <= (NodeRecord.maximumSize * 4 + 2) / 3 else {
            throw .tooLarge(size: body.utf8.count * 3 / 4)
        }
        guard let bytes = Base64URL.decode(body) else { throw .invalidBase64 }
        try self.init(encoded: bytes)
    }

    /// The text form: `enr:` + unpadded URL-safe base64 of the encoding.
    public var text: String { "enr:" + Base64URL.encode(encoded) }

    public var description: String { text }

    /// The node id of the "v4" scheme: keccak256 of the uncompressed key's 64 bytes (x ++ y).
    public var nodeID: Hash256 { Keccak256.hash(publicKey.uncompressed.dropFirst()) }

    /// The key's Ethereum-style address: the same as the provider's descriptor address when the
    /// same key signed both.
    public var address: ProviderAddress { publicKey.address }

    /// The value of `key` (one encoded RLP item), or `nil` when the record does not hold it.
    public func value(forKey key: String) -> [UInt8]? {
        let bytes = Array(key.utf8)
        return pairs.first { $0.key == bytes }?.value
    }

    /// rlp([seq, k1, v1, ...]): the bytes the signature covers.
    static func content(sequence: UInt64, pairs: [Pair]) -> [UInt8] {
        var writer = RLPWriter()
        writer.appendList { list in
            list.append(uint: sequence)
            for pair in pairs {
                list.append(string: pair.key)
                list.append(encoded: pair.value)
            }
        }
        return writer.bytes
    }

    static func encode(signature: [UInt8], sequence: UInt64, pairs: [Pair]) -> [UInt8] {
        var writer = RLPWriter()
        writer.appendList { list in
            list.append(string: signature)
            list.append(uint: sequence)
            for pair in pairs {
                list.append(string: pair.key)
                list.append(encoded: pair.value)
            }
        }
        return writer.bytes
    }
}
