import MailvaultAccountability
import MailvaultCore
@testable import MailvaultDiscovery
import Testing

@Suite struct NodeRecordTests {
    static let eip778Text = "enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuOh8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdl8"

    @Test func decodesTheEIP778Example() throws {
        let record = try NodeRecord(text: Self.eip778Text)
        #expect(record.sequence == 1)
        #expect(record.pairs.map(\.name) == ["id", "ip", "secp256k1", "udp"])
        #expect(record.value(forKey: "ip") == [0x84, 127, 0, 0, 1])
        #expect(Hex.encode(record.publicKey.compressed) == "03ca634cae0d49acb401d8a4c6b6fe8c55b70d115bf400769cc1400f3258cd3138")
        // The node id EIP-778 states for its example.
        #expect(record.nodeID == (try Hash256(hex: "a448f24c6d18e575453db13171562b71999873db5b286df957af199ec94617f7")))
        #expect(record.text == Self.eip778Text)
    }

    @Test func signsTheEIP778ExampleByteForByte() throws {
        let key = try ProviderKey(secret: hex("b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291"))
        var udp = RLPWriter()
        udp.append(uint: UInt16(30303))
        let record = try NodeRecord(sequence: 1, pairs: [NodeRecord.Pair(key: "udp", encodedValue: udp.bytes),
                                                         NodeRecord.Pair(key: "ip", bytes: [127, 0, 0, 1])], key: key)
        #expect(record.text == Self.eip778Text)
    }

    /// Records eth-enr signed, for the same keys, sequences and pairs: Swift makes the same bytes
    /// (both sign with RFC 6979 nonces and lower-S), and decodes and verifies eth-enr's.
    @Test(arguments: DiscoveryVectors.shared.records + DiscoveryVectors.shared.treeRecords)
    func agreesWithEthENR(_ vector: DiscoveryVectors.Record) throws {
        let decoded = try NodeRecord(text: vector.text)
        #expect(decoded.encoded == hex(vector.rlp))
        #expect(decoded.sequence == vector.seq)
        #expect(decoded.nodeID == (try Hash256(hex: vector.nodeID)))
        #expect(decoded.address.description == vector.address)
        #expect(decoded.pairs.map(\.name) == vector.allPairs.map(\.key))
        #expect(decoded.pairs.map(\.value) == vector.allPairs.map { hex($0.value) })

        let key = try ProviderKey(secret: hex(vector.secret))
        #expect(key.compressedPublicKey == hex(vector.compressedKey))
        let made = try NodeRecord(sequence: vector.seq,
                                  pairs: vector.pairs.map { NodeRecord.Pair(key: $0.key, encodedValue: hex($0.value)) }, key: key)
        #expect(made.text == vector.text)
        #expect(made == decoded)
    }

    @Test func readsTheMailvaultEntryOfEthENRRecords() throws {
        let records = DiscoveryVectors.shared.records
        #expect(try ProviderEndpoints(record: NodeRecord(text: records[0].text)) == nil)
        let one = try #require(try ProviderEndpoints(record: NodeRecord(text: records[1].text)))
        #expect(one == (try ProviderEndpoints(urls: ["https://mail.example.org"])))
        let two = try #require(try ProviderEndpoints(record: NodeRecord(text: records[2].text)))
        #expect(two.urls == ["http://127.0.0.1:8080", "https://b.example.net:8443/mv"])
        #expect(two.version == 1)
        let later = try #require(try ProviderEndpoints(record: NodeRecord(text: records[4].text)))
        #expect(later.version == 2)
        // The unknown key is kept, and the record round-trips with it.
        let record = try NodeRecord(text: records[2].text)
        #expect(record.value(forKey: "zz-unknown") == hex("ca01c8866e657374656480"))
    }

    @Test func roundTripsItsOwnRecords() throws {
        let key = ProviderKey.generate()
        let endpoints = try ProviderEndpoints(urls: ["https://a.example.org", "http://10.0.0.1:8080"])
        let record = try NodeRecord(sequence: 9, pairs: [endpoints.pair], key: key)
        let decoded = try NodeRecord(text: record.text)
        #expect(decoded == record)
        #expect(decoded.address == key.address)
        #expect(try ProviderEndpoints(record: decoded) == endpoints)
    }

    // MARK: Strict decoding: one error per rule

    /// A signed record over arbitrary content, for the cases that must fail after the signature
    /// check would pass (so that the rule, not the signature, is what refuses them).
    static func signed(_ key: ProviderKey, content: [UInt8]) -> [UInt8] {
        let signature = key.signPlain(digest: Keccak256.hash(content))
        let payload = Array(content[RLPWriter.headerLength(payloadLength: content.count - 1)...])
        var writer = RLPWriter()
        writer.appendList { list in
            list.append(string: signature)
            list.append(encoded: payload)
        }
        return writer.bytes
    }

    static func content(_ sequence: [UInt8], _ pairs: [([UInt8], [UInt8])]) -> [UInt8] {
        var writer = RLPWriter()
        writer.appendList { list in
            list.append(encoded: sequence)
            for (key, value) in pairs {
                list.append(string: key)
                list.append(encoded: value)
            }
        }
        return writer.bytes
    }

    static let key = try! ProviderKey(secret: hex("b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291"))
    static let id: ([UInt8], [UInt8]) = (Array("id".utf8), [0x82] + Array("v4".utf8))
    static let secp: ([UInt8], [UInt8]) = (Array("secp256k1".utf8), [0xA1] + key.compressedPublicKey)

    @Test func refusesEveryMalformedRecord() throws {
        let key = Self.key
        let good = Self.signed(key, content: Self.content([0x01], [Self.id, Self.secp]))
        #expect(throws: Never.self) { try NodeRecord(encoded: good) }

        let cases: [(String, [UInt8], NodeRecordError)] = [
            ("trailing bytes", good + [0x00], .rlp(.trailingBytes)),
            ("not a list", [0x83, 1, 2, 3], .rlp(.expectedList)),
            ("truncated", Array(good.dropLast()), .rlp(.lengthBeyondInput)),
            ("sequence with a leading zero", Self.signed(key, content: Self.content([0x82, 0x00, 0x01], [Self.id, Self.secp])),
             .rlp(.leadingZeros)),
            ("sequence zero as 0x00", Self.signed(key, content: Self.content([0x00], [Self.id, Self.secp])),
             .rlp(.nonCanonicalInteger)),
            ("sequence over 64 bits", Self.signed(key, content: Self.content([0x89] + [1] + [UInt8](repeating: 0, count: 8), [Self.id, Self.secp])),
             .rlp(.valueTooLarge)),
            ("unsorted keys", Self.signed(key, content: Self.content([0x01], [Self.secp, Self.id])), .unsortedKeys("id")),
            ("duplicate key", Self.signed(key, content: Self.content([0x01], [Self.id, Self.id, Self.secp])), .duplicateKey("id")),
            ("no id", Self.signed(key, content: Self.content([0x01], [Self.secp])), .missingIdentityScheme),
            ("id v5", Self.signed(key, content: Self.content([0x01], [(Array("id".utf8), [0x82] + Array("v5".utf8)), Self.secp])),
             .unknownIdentityScheme("v5")),
            ("no key", Self.signed(key, content: Self.content([0x01], [Self.id])), .invalidPublicKey),
            ("uncompressed key", Self.signed(key, content: Self.content([0x01], [Self.id, (Array("secp256k1".utf8), [0xB8, 65] + key.publicKey)])),
             .invalidPublicKey),
            ("key not on the curve", Self.signed(key, content: Self.content([0x01], [Self.id, (Array("secp256k1".utf8), [0xA1, 0x02] + [UInt8](repeating: 0xFF, count: 32))])),
             .invalidPublicKey),
            ("value not canonical", Self.signed(key, content: Self.content([0x01], [Self.id, (Array("ip".utf8), [0x81, 0x05]), Self.secp])),
             .rlp(.nonCanonicalSize)),
        ]
        for (name, input, expected) in cases {
            #expect(throws: expected, "\(name)") { try NodeRecord(encoded: input) }
        }
        // An odd number of items after the sequence: a key whose value is missing.
        var odd = RLPWriter()
        odd.appendList { list in
            list.append(string: [UInt8](repeating: 1, count: 64))
            list.append(uint: UInt8(1))
            list.append(string: Array("id".utf8))
            list.append(string: Array("v4".utf8))
            list.append(string: Array("zz".utf8))
        }
        #expect(throws: NodeRecordError.missingValue) { try NodeRecord(encoded: odd.bytes) }
    }

    @Test func refusesATamperedOrForeignSignature() throws {
        let record = try NodeRecord(text: Self.eip778Text)
        var tampered = record.encoded
        tampered[tampered.count - 1] ^= 0x01  // the udp port
        #expect(throws: NodeRecordError.badSignature) { try NodeRecord(encoded: tampered) }
        var signature = record.encoded
        signature[5] ^= 0x80
        #expect(throws: NodeRecordError.badSignature) { try NodeRecord(encoded: signature) }
        // A 65-byte signature (with a recovery id) is not "v4".
        let content = Self.content([0x01], [Self.id, Self.secp])
        var long = RLPWriter()
        long.appendList { list in
            list.append(string: Self.key.sign(digest: Keccak256.hash(content)).bytes)
            list.append(encoded: content[1...])
        }
        #expect(throws: NodeRecordError.badSignature) { try NodeRecord(encoded: long.bytes) }
    }

    @Test func refusesRecordsOverThreeHundredBytes() throws {
        let key = ProviderKey.generate()
        // id, secp256k1, a 64-byte signature and seq 1 take 119 bytes; a 3-byte key and a
        // 175-byte value (2-byte header) bring it to 300 with the list header grown to 3 bytes.
        #expect(try NodeRecord(sequence: 1, pairs: [], key: key).encoded.count == 119)
        let fits = try NodeRecord(sequence: 1, pairs: [NodeRecord.Pair(key: "zz", bytes: [UInt8](repeating: 7, count: 175))], key: key)
        #expect(fits.encoded.count == 300)
        #expect(try NodeRecord(text: fits.text) == fits)
        #expect(throws: NodeRecordError.tooLarge(size: 301)) {
            try NodeRecord(sequence: 1, pairs: [NodeRecord.Pair(key: "zz", bytes: [UInt8](repeating: 7, count: 176))], key: key)
        }
        #expect(throws: NodeRecordError.tooLarge(size: 301)) { try NodeRecord(encoded: [UInt8](repeating: 0, count: 301)) }
        #expect(throws: NodeRecordError.self) { try NodeRecord(text: "enr:" + String(repeating: "A", count: 500)) }
    }

    @Test func refusesBadText() {
        #expect(throws: NodeRecordError.missingPrefix) { try NodeRecord(text: "ENR:abc") }
        #expect(throws: NodeRecordError.invalidBase64) { try NodeRecord(text: Self.eip778Text + "=") }
        #expect(throws: NodeRecordError.invalidBase64) { try NodeRecord(text: Self.eip778Text.replacingOccurrences(of: "_", with: "/")) }
        // Non-zero bits after the last byte: a second text for the same bytes.
        #expect(throws: NodeRecordError.invalidBase64) { try NodeRecord(text: String(Self.eip778Text.dropLast()) + "9") }
    }

    @Test func refusesBadMailvaultEntries() {
        func value(_ build: (inout RLPWriter) -> Void) -> [UInt8] {
            var writer = RLPWriter()
            build(&writer)
            return writer.bytes
        }
        let cases: [[UInt8]] = [
            value { $0.append(string: Array("https://a".utf8)) },
            value { $0.appendList { $0.append(uint: UInt8(1)) } },
            value { $0.appendList { $0.append(uint: UInt8(1)); $0.appendList { _ in } } },
            value { $0.appendList { $0.append(uint: UInt8(1)); $0.appendList { $0.append(string: Array("ftp://a".utf8)) } } },
            value { $0.appendList { $0.append(uint: UInt8(1)); $0.appendList { $0.append(string: Array("https://a/?q".utf8)) } } },
            value { $0.appendList { $0.append(uint: UInt8(1)); $0.appendList { $0.append(string: [0x68, 0xFF]) } } },
            value { $0.appendList { $0.append(string: [0, 1]); $0.appendList { $0.append(string: Array("https://a".utf8)) } } },
        ]
        for bytes in cases {
            #expect(throws: NodeRecordError.self, "\(Hex.encode(bytes))") { try ProviderEndpoints(encodedValue: bytes) }
        }
        // Items after the URL list are a later version's fields: skipped.
        let extended = value { $0.appendList { $0.append(uint: UInt8(3)); $0.appendList { $0.append(string: Array("https://a".utf8)) }; $0.append(string: [1]) } }
        #expect(throws: Never.self) { try ProviderEndpoints(encodedValue: extended) }
    }
}
