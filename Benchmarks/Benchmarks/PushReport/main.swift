import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MailvaultAccountability
import MailvaultCore

// The load generator and clock of the push benchmark (Benchmarks/push-bench runs the processes):
//   PushReport register NODE COUNT TOPIC SPREAD   COUNT gorush registrations (android tokens
//                                                 bench-0 …), each signed by a key of its own as
//                                                 10,000 phones would be, POSTed 16 at a time; on
//                                                 TOPIC, or on TOPIC + i when SPREAD is 1
//   PushReport fanout NODE RECEIVER_DIR TOPIC EXPECTED
//                                                 stores one envelope on TOPIC and waits until the
//                                                 receiver has recorded EXPECTED gorush tokens
//                                                 after that moment: seconds from the POST to the
//                                                 last token's arrival, and the requests it took
// Every figure is one line `name value unit`.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("PushReport: \(message)\n".utf8))
    exit(1)
}

func post(_ url: String, _ body: [UInt8], contentType: String) async throws -> Int {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = "POST"
    request.setValue(contentType, forHTTPHeaderField: "Content-Type")
    request.httpBody = Data(body)
    let (_, response) = try await URLSession.shared.data(for: request)
    return (response as? HTTPURLResponse)?.statusCode ?? 0
}

func parseTopic(_ text: String) -> UInt32 {
    guard let value = UInt32(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text, radix: 16) else { fail("bad topic \(text)") }
    return value
}

func register(node: String, count: Int, topic: UInt32, spread: Bool) async {
    let expires = UInt32(Date().timeIntervalSince1970) + 3600
    let start = Date()
    await withTaskGroup(of: Void.self) { group in
        var next = 0
        func add() {
            let index = next
            next += 1
            group.addTask {
                let topicText = Topic(rawValue: spread ? topic &+ UInt32(index) : topic).description
                let document = #"{"name":"bench","version":1,"expires":\#(expires),"topics":["\#(topicText)"],"target":{"gorush":{"token":"bench-\#(index)","platform":"android"}}}"#
                let signed = SignedDocument(kind: "push-registration", document: Array(document.utf8), key: ProviderKey.generate()).json
                let status = (try? await post(node + "/v1/push/registrations", signed, contentType: "application/json")) ?? 0
                if status != 201 { fail("registration \(index) answered \(status)") }
            }
        }
        for _ in 0..<min(16, count) { add() }
        while await group.next() != nil { if next < count { add() } }
    }
    print("registrations \(count) count")
    print("registration_seconds \(Date().timeIntervalSince(start)) s")
}

func fanout(node: String, receiver: String, topic: UInt32, expected: Int) async {
    let now = UInt32(Date().timeIntervalSince1970)
    var nonce = UInt64.random(in: 1..<UInt64.max)
    if nonce >> 56 == 0 { nonce |= 1 << 56 }
    let envelope = Envelope(expiry: now + 300, ttl: 300, topic: Topic(rawValue: topic), data: Array("push-bench".utf8), nonce: nonce)
    let start = Date().timeIntervalSince1970
    let status = (try? await post(node + "/v1/envelopes", Envelope.encodePacket([envelope]), contentType: "application/x-rlp")) ?? 0
    guard status == 200 else { fail("the envelope was answered \(status)") }
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline {
        let text = (try? String(contentsOfFile: receiver + "/requests.jsonl", encoding: .utf8)) ?? ""
        var tokens = 0
        var requests = 0
        var last = 0.0
        for line in text.split(separator: "\n") {
            guard let record = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                  let at = record["at"] as? Double, at >= start else { continue }
            tokens += record["tokens"] as? Int ?? 0
            requests += 1
            last = max(last, at)
        }
        if tokens >= expected {
            print("fanout_seconds \(last - start) s")
            print("fanout_requests \(requests) count")
            return
        }
        try? await Task.sleep(for: .milliseconds(20))
    }
    fail("the receiver did not get \(expected) tokens within 60 s")
}

let arguments = CommandLine.arguments
switch arguments.dropFirst().first {
case "register" where arguments.count == 6:
    await register(node: arguments[2], count: Int(arguments[3]) ?? 0, topic: parseTopic(arguments[4]), spread: arguments[5] == "1")
case "fanout" where arguments.count == 6:
    await fanout(node: arguments[2], receiver: arguments[3], topic: parseTopic(arguments[4]), expected: Int(arguments[5]) ?? 0)
default:
    fail("usage: PushReport register NODE COUNT TOPIC SPREAD | fanout NODE RECEIVER_DIR TOPIC EXPECTED")
}
