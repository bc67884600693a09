import MailvaultCore
@testable import MailvaultPush
import Testing

@Suite struct NotificationTests {
    static let hash = try! Hash256(hex: "0x" + String(repeating: "ab", count: 32))

    @Test func canonicalJSONWithoutPayload() throws {
        let notification = MailvaultPush.Notification(registrationID: "r1", topic: Topic(1, 2, 3, 4), envelopeHash: Self.hash, sent: 1_700_000_000)
        let text = String(decoding: notification.json, as: UTF8.self)
        #expect(text == #"{"hash":"0x\#(String(repeating: "ab", count: 32))","id":"\#(notification.id)","sent":1700000000,"topic":"0x01020304"}"#)
        #expect(try MailvaultPush.Notification(json: notification.json) == notification)
        let batch = MailvaultPush.Notification.batchJSON([notification, notification])
        #expect(String(decoding: batch, as: UTF8.self) == #"{"notifications":[\#(text),\#(text)]}"#)
        #expect(try MailvaultPush.Notification.parseBody(batch) == [notification, notification])
        #expect(try MailvaultPush.Notification.parseBody(notification.json) == [notification])
    }

    @Test func idsAreStablePerRegistrationAndEnvelope() {
        let id = MailvaultPush.Notification.id(registrationID: "r1", envelopeHash: Self.hash)
        #expect(id.count == 32)
        #expect(id == MailvaultPush.Notification.id(registrationID: "r1", envelopeHash: Self.hash))
        #expect(id != MailvaultPush.Notification.id(registrationID: "r2", envelopeHash: Self.hash))
        #expect(id != MailvaultPush.Notification.id(registrationID: "r1", envelopeHash: Hash256.zero))
        // The separator keeps ("r1", hash) and ("r", "1" ++ hash) apart.
        var hasher = Keccak256()
        hasher.update("mailvault/v1/notification".utf8)
        hasher.update([0] + Array("r1".utf8) + [0] + Self.hash.bytes)
        #expect(id == Hex.encode(hasher.finalize().bytes.prefix(16)))
    }

    @Test func refusals() {
        let cases: [(String, PushError)] = [
            ("{}", .malformedNotification("not {\"hash\",\"id\",\"sent\",\"topic\"}")),
            (#"{"hash":"0x00","id":"00000000000000000000000000000000","sent":1,"topic":"0x01020304"}"#,
             .malformedNotification("hash is not 0x + 32 bytes")),
            (#"{"hash":"0x\#(String(repeating: "00", count: 32))","id":"zz","sent":1,"topic":"0x01020304"}"#,
             .malformedNotification("id is not 32 hex digits")),
            (#"{"hash":"0x\#(String(repeating: "00", count: 32))","id":"00000000000000000000000000000000","sent":1,"topic":"0x0102"}"#,
             .malformedNotification("topic is not 0x + 4 bytes")),
            (#"{"hash":"0x00","id":"0","sent":-1,"topic":"0x01020304"}"#, .malformedNotification("not {\"hash\",\"id\",\"sent\",\"topic\"}")),
        ]
        for (json, expected) in cases {
            #expect(throws: expected) { try MailvaultPush.Notification(json: Array(json.utf8)) }
        }
    }
}
