import Foundation
import MailvaultAPI
import MailvaultCore
import Testing

/// The registration parser as a table of documents: what parses, and the field each refusal names.
@Suite("push registration documents")
struct PushRegistrationBodyTests {
    static let webhook = #""target":{"webhook":{"url":"https://hooks.example.org/m"}}"#
    static func doc(_ fields: String) -> [UInt8] { Array("{\(fields)}".utf8) }

    @Test func gorushWebhookAndWebPushParse() throws {
        let ios = try PushRegistrationBody(json: Self.doc(#""name":"p","version":2,"expires":100,"topics":["0x01020304"],"target":{"gorush":{"token":"abc","platform":"ios","apnsTopic":"im.status"}}"#))
        #expect(ios.target == .gorush(token: "abc", platform: .ios, apnsTopic: "im.status"))
        #expect(ios.watch == .topics([Topic(1, 2, 3, 4)]) && ios.version == 2 && ios.expires == 100)
        let key = Data([4] + Array(repeating: 9, count: 64)).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let push = try PushRegistrationBody(json: Self.doc(#""name":"w","version":1,"expires":1,"bloom":"0x\#(String(repeating: "00", count: 63))80","target":{"webPush":{"endpoint":"https://push.example.net/a","p256dh":"\#(key)","auth":"AAAAAAAAAAAAAAAAAAAAAA"}}"#))
        guard case .webPush(_, let p256dh, let auth) = push.target else { Issue.record("not webPush"); return }
        #expect(p256dh.count == 65 && auth == Array(repeating: 0, count: 16))
        // The canonical form parses back to the same value.
        #expect(try PushRegistrationBody(json: push.json) == push)
        #expect(try PushRegistrationBody(json: ios.json) == ios)
    }

    @Test(arguments: [
        (#""version":1,"expires":1,"topics":["0x01020304"],\#(webhook)"#, "name"),
        (#""name":"","version":1,"expires":1,"topics":["0x01020304"],\#(webhook)"#, "name"),
        (#""name":"a/b","version":1,"expires":1,"topics":["0x01020304"],\#(webhook)"#, "name"),
        (#""name":"a","version":0,"expires":1,"topics":["0x01020304"],\#(webhook)"#, "version"),
        (#""name":"a","version":-1,"expires":1,"topics":["0x01020304"],\#(webhook)"#, "version"),
        (#""name":"a","version":1,"expires":4294967296,"topics":["0x01020304"],\#(webhook)"#, "expires"),
        (#""name":"a","version":1,"expires":1,\#(webhook)"#, "topics"),
        (#""name":"a","version":1,"expires":1,"topics":[],\#(webhook)"#, "topics"),
        (#""name":"a","version":1,"expires":1,"topics":["0x010203"],\#(webhook)"#, "topics[0]"),
        (#""name":"a","version":1,"expires":1,"topics":["0x01020304"],"bloom":"0x00",\#(webhook)"#, "topics"),
        (#""name":"a","version":1,"expires":1,"bloom":"0x\#(String(repeating: "ff", count: 64))",\#(webhook)"#, "bloom"),
        (#""name":"a","version":1,"expires":1,"topics":["0x01020304"]"#, "target"),
        (#""name":"a","version":1,"expires":1,"topics":["0x01020304"],"target":{}"#, "target"),
        (#""name":"a","version":1,"expires":1,"topics":["0x01020304"],"target":{"sms":{}}"#, "target.sms"),
        (#""name":"a","version":1,"expires":1,"topics":["0x01020304"],"target":{"gorush":{"token":"t","platform":"windows"}}"#, "target.gorush.platform"),
        (#""name":"a","version":1,"expires":1,"topics":["0x01020304"],"target":{"gorush":{"token":"t","platform":"android","apnsTopic":"x"}}"#, "target.gorush.apnsTopic"),
        (#""name":"a","version":1,"expires":1,"topics":["0x01020304"],"target":{"gorush":{"token":"a b","platform":"android"}}"#, "target.gorush.token"),
        (#""name":"a","version":1,"expires":1,"topics":["0x01020304"],"target":{"webhook":{"url":"mailto:x@example.org"}}"#, "target.webhook.url"),
        (#""name":"a","version":1,"expires":1,"topics":["0x01020304"],"target":{"webhook":{"url":"https://a.example.org","x":1}}"#, "target.webhook.x"),
        (#""name":"a","version":1,"expires":1,"topics":["0x01020304"],"extra":true,\#(webhook)"#, "extra"),
    ])
    func refusals(fields: String, field: String) {
        do {
            _ = try PushRegistrationBody(json: Self.doc(fields))
            Issue.record("accepted: \(fields)")
        } catch {
            #expect(error.status == 400 && error.parameter == field, "\(fields): \(error)")
        }
    }

    @Test func deletionIsStrict() throws {
        #expect(try PushDeletionBody(json: Array(#"{"name":"a","version":3}"#.utf8)) == PushDeletionBody(name: "a", version: 3))
        #expect(throws: APIError.self) { try PushDeletionBody(json: Array(#"{"name":"a","version":3,"id":"x"}"#.utf8)) }
        #expect(throws: APIError.self) { try PushDeletionBody(json: Array(#"{"version":3}"#.utf8)) }
    }
}
