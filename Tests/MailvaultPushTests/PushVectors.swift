import Foundation
@testable import MailvaultPush

/// Tests/MailvaultPushTests/Vectors/push.json, written by Scripts/vectors/push_vectors.py with
/// PyPI http-ece, py-vapid and standardwebhooks (never by the code under test).
struct PushVectors: Decodable {
    struct RFC8291: Decodable {
        let plaintext, asPrivate, asPublic, uaPrivate, uaPublic, salt, auth, body: String
    }
    struct WebPush: Decodable {
        let receiverPrivate, receiverPublic, auth, senderPrivate, salt, payload, body: String
        let recordSize: Int
    }
    struct VAPIDCase: Decodable {
        let header, audience, subject, publicKey: String
        let expires: UInt32
    }
    struct VAPIDSet: Decodable {
        let now: UInt32
        let cases: [VAPIDCase]
    }
    struct Webhook: Decodable {
        let secret, id, payload, signature: String
        let timestamp: Int64
    }
    let rfc8291: RFC8291
    let webpush: [WebPush]
    let vapid: VAPIDSet
    let webhooks: [Webhook]

    static let shared: PushVectors = {
        let url = Bundle.module.url(forResource: "push", withExtension: "json", subdirectory: "Vectors")!
        return try! JSONDecoder().decode(PushVectors.self, from: Data(contentsOf: url))
    }()
}

func b64u(_ text: String) -> [UInt8] { Base64Text.urlDecode(text)! }

func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

func hexString(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

/// Runs Scripts/push-verify.py with the tools' virtual environment (Scripts/setup creates it);
/// `nil` when that environment is absent, so the check is skipped rather than failed.
func pushVerify(_ arguments: [String], stdin: String) -> (status: Int32, output: String)? {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let python = root.appendingPathComponent(".venv-tools/bin/python3")
    guard FileManager.default.isExecutableFile(atPath: python.path) else { return nil }
    let process = Process()
    process.executableURL = python
    process.arguments = [root.appendingPathComponent("Scripts/push-verify.py").path] + arguments
    let input = Pipe(), output = Pipe(), errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    do { try process.run() } catch { return nil }
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try? input.fileHandleForWriting.close()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: out, as: UTF8.self) + String(decoding: err, as: UTF8.self)
    return (process.terminationStatus, text.trimmingCharacters(in: .whitespacesAndNewlines))
}
