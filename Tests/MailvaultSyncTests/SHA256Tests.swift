import MailvaultCore
import MailvaultSync
import Testing

@Suite("SHA256")
struct SHA256Tests {
    @Test("FIPS 180-4 examples")
    func fipsExamples() {
        let cases: [(String, String)] = [
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ]
        for (input, digest) in cases {
            #expect(Hex.encode(SHA256.hash(Array(input.utf8))) == digest, "\(input)")
        }
    }

    @Test("hashlib vectors across block and padding edges")
    func hashlibVectors() throws {
        for vector in try SyncVectors.load().sha256 {
            let input = SyncVectors.pattern(seed: vector.seed, length: vector.length)
            #expect(Hex.encode(SHA256.hash(input)) == vector.digest, "length \(vector.length)")
        }
    }
}
