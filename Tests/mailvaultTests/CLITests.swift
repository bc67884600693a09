import Foundation
import MailvaultCore
import MailvaultTestSupport
import Testing

/// Runs the built `mailvault` binary as a user or script would.
struct CLI {
    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static let binary = MailvaultExecutable.url

    /// Runs the binary and returns what it printed (`MailvaultExecutable.run`: it waits without
    /// holding a thread of the cooperative pool, which other suites' in-process servers need).
    static func run(_ arguments: [String], stdin: String? = nil) async throws -> Output {
        let output = try await MailvaultExecutable.run(arguments, stdin: stdin)
        return Output(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }

    /// The `pow` field, parsed with JSONDecoder (JSONSerialization rounds some doubles).
    static func pow(_ output: Output) throws -> Double {
        struct Fields: Decodable { let pow: Double }
        return try JSONDecoder().decode(Fields.self, from: Data(output.stdout.utf8)).pow
    }

    static func json(_ output: Output) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8))
        return try #require(object as? [String: Any])
    }
}

@Suite("mailvault envelope")
struct CLITests {
    /// The public vector with nonce 276 (pow 19.692307692307693), encoded by hand:
    /// list of 15 bytes: 80 (expiry 0), 01 (ttl 1), 84 00000000, 84 deadbeef, 82 0114.
    static let vectorHex = "0xcf8001840000000084deadbeef820114"

    @Test("encode prints the envelope as hex")
    func encode() async throws {
        let output = try await CLI.run(["envelope", "encode", "--expiry", "0", "--ttl", "1", "--topic", "0x00000000",
                                  "--data", "deadbeef", "--nonce", "276"])
        #expect(output.status == 0)
        #expect(output.stdout == Self.vectorHex + "\n")
    }

    @Test("decode prints every field, hash over the input, and a round-tripping PoW")
    func decode() async throws {
        for arguments in [["envelope", "decode", Self.vectorHex], ["envelope", "decode", String(Self.vectorHex.dropFirst(2))]] {
            let output = try await CLI.run(arguments)
            #expect(output.status == 0)
            #expect(output.stderr.isEmpty)
            let json = try CLI.json(output)
            #expect(json["expiry"] as? Int == 0)
            #expect(json["ttl"] as? Int == 1)
            #expect(json["nonce"] as? Int == 276)
            #expect(json["topic"] as? String == "0x00000000")
            #expect(json["data"] as? String == "0xdeadbeef")
            #expect(json["hash"] as? String == Keccak256.hash(try Hex.decode(Self.vectorHex)).description)
            #expect(try CLI.pow(output) == 19.692307692307693)
            #expect(output.stdout.contains("\"pow\":19.692307692307693"))
            #expect(json["bloom"] as? String == "0x01" + String(repeating: "0", count: 126))
            #expect(json["size"] as? Int == 24)
        }
    }

    @Test("decode reads standard input for '-' or no argument")
    func decodeStdin() async throws {
        for arguments in [["envelope", "decode", "-"], ["envelope", "decode"]] {
            let output = try await CLI.run(arguments, stdin: Self.vectorHex + "\n")
            #expect(output.status == 0)
            #expect(try CLI.json(output)["nonce"] as? Int == 276)
        }
    }

    @Test("invalid input: non-zero status, one line on stderr naming the reason, nothing on stdout", arguments: [
        ("0xcf8001840000000084deadbeef82011400", "trailing bytes"),
        ("0xd08001840000000084deadbeef820114", "beyond the input"),
        ("0xcf8000840000000084deadbeef820114", "non-canonical integer"),
        ("0xce80018300000084deadbeef820114", "topic is 4 bytes"),
        ("0xzz", "invalid hex"),
        ("", "beyond the input"),
    ])
    func decodeInvalid(hex: String, reason: String) async throws {
        let output = try await CLI.run(["envelope", "decode", hex])
        #expect(output.status != 0)
        #expect(output.stdout.isEmpty)
        #expect(output.stderr.split(separator: "\n").count == 1)
        #expect(output.stderr.contains(reason), "\(output.stderr)")
    }

    @Test("seal reaches the PoW and the envelope decodes to it")
    func seal() async throws {
        let output = try await CLI.run(["envelope", "seal", "--ttl", "50", "--topic", "0x01020304", "--data", "0xcafe",
                                  "--pow", "0.5", "--expiry", "1700000050"])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try CLI.json(output)
        let hex = try #require(json["envelope"] as? String)
        let envelope = try Envelope(decoding: try Hex.decode(hex))
        #expect(envelope.pow() >= 0.5)
        #expect(try CLI.pow(output) == envelope.pow())
        #expect(json["hash"] as? String == envelope.hash.description)
        #expect(json["nonce"] as? Int == Int(envelope.nonce))
        #expect((json["attempts"] as? Int ?? 0) >= 1)
        #expect(json["seconds"] is Double)
        #expect(envelope.expiry == 1_700_000_050 && envelope.ttl == 50)
    }

    @Test("seal --packet writes the sealed envelope as a one-envelope messages packet")
    func sealPacket() async throws {
        let file = NSTemporaryDirectory() + "mailvault-seal-\(UUID().uuidString).rlp"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let output = try await CLI.run(["envelope", "seal", "--ttl", "50", "--topic", "0x01020304", "--data", "0xcafe",
                                  "--pow", "0.1", "--expiry", "1700000050", "--packet", file])
        #expect(output.status == 0, "\(output.stderr)")
        let packet = try Envelope.decodePacket(Array(try Data(contentsOf: URL(fileURLWithPath: file))))
        #expect(packet.count == 1)
        #expect(try packet.first?.hash.description == CLI.json(output)["hash"] as? String)
    }

    @Test("seal --threads runs that many searches and reports the kernel", arguments: [1, 3])
    func sealThreads(threads: Int) async throws {
        let output = try await CLI.run(["envelope", "seal", "--ttl", "50", "--topic", "0x01020304", "--data", "0xcafe",
                                  "--pow", "1", "--expiry", "1700000050", "--threads", String(threads)])
        #expect(output.status == 0, "\(output.stderr)")
        let json = try CLI.json(output)
        #expect(json["threads"] as? Int == threads)
        #expect(["scalar", "avx2", "avx512"].contains(json["kernel"] as? String ?? ""))
        let envelope = try Envelope(decoding: try Hex.decode(try #require(json["envelope"] as? String)))
        #expect(envelope.pow() >= 1)
    }

    @Test("seal without --expiry uses now + TTL")
    func sealDefaultExpiry() async throws {
        let before = UInt32(Date().timeIntervalSince1970)
        let output = try await CLI.run(["envelope", "seal", "--ttl", "60", "--topic", "01020304", "--data", "", "--pow", "0.01"])
        let after = UInt32(Date().timeIntervalSince1970)
        #expect(output.status == 0, "\(output.stderr)")
        let envelope = try Envelope(decoding: try Hex.decode(try #require(try CLI.json(output)["envelope"] as? String)))
        #expect((before + 60)...(after + 60) ~= envelope.expiry)
    }

    @Test("seal that cannot finish in the work time fails with one line")
    func sealTimeout() async throws {
        let output = try await CLI.run(["envelope", "seal", "--ttl", "50", "--topic", "01020304", "--data", "00",
                                  "--pow", "1e9", "--work-time", "0.2"])
        #expect(output.status != 0)
        #expect(output.stdout.isEmpty)
        #expect(output.stderr.split(separator: "\n").count == 1)
        #expect(output.stderr.contains("work time ran out"))
    }

    @Test("bad options: non-zero status and one line on stderr", arguments: [
        ["envelope", "encode", "--ttl", "1"],
        ["envelope", "encode", "--expiry", "4294967296", "--ttl", "1", "--topic", "00000000", "--data", "", "--nonce", "0"],
        ["envelope", "encode", "--expiry", "0", "--ttl", "1", "--topic", "000000", "--data", "", "--nonce", "0"],
        ["envelope", "seal", "--ttl", "0", "--topic", "00000000", "--data", "", "--pow", "1"],
        ["envelope", "seal", "--ttl", "5", "--topic", "00000000", "--data", "", "--pow", "1", "--threads", "0"],
        ["envelope", "frobnicate"],
    ])
    func badOptions(arguments: [String]) async throws {
        let output = try await CLI.run(arguments)
        #expect(output.status != 0)
        #expect(output.stdout.isEmpty)
        #expect(output.stderr.split(separator: "\n").count == 1, "\(output.stderr)")
    }

    @Test("--help on every command says what it does, with an example", arguments: [
        [], ["envelope"], ["envelope", "decode"], ["envelope", "encode"], ["envelope", "seal"],
    ])
    func help(command: [String]) async throws {
        let output = try await CLI.run(command + ["--help"])
        #expect(output.status == 0)
        #expect(output.stdout.contains("OVERVIEW:"))
        #expect(output.stdout.contains("mailvault "))
        #expect(output.stdout.contains("Example"))
    }
}
