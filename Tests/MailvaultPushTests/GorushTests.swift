import MailvaultCore
@testable import MailvaultPush
import Testing

@Suite struct GorushTests {
    @Test func requestBodyHasGorushFieldNames() {
        let notification = MailvaultPush.Notification(registrationID: "r", topic: Topic(rawValue: 0x01020304), envelopeHash: .zero, sent: 5)
        let object = GorushNotification(tokens: ["t1", "t2"], platform: .ios, message: "New message", topic: "im.status.app",
                                        data: GorushNotification.data(for: notification), contentAvailable: true)
        let text = String(decoding: GorushRequest(notifications: [object]).json, as: UTF8.self)
        #expect(text == #"{"notifications":[{"content_available":true,"data":{"hash":"\#(notification.hash)","id":"\#(notification.id)","sent":"5","topic":"0x01020304"},"message":"New message","platform":1,"tokens":["t1","t2"],"topic":"im.status.app"}]}"#)
        let android = GorushRequest(notifications: [GorushNotification(tokens: ["a"], platform: .android, message: "")])
        #expect(String(decoding: android.json, as: UTF8.self) == #"{"notifications":[{"message":"","platform":2,"tokens":["a"]}]}"#)
    }

    @Test func batchesManyTokensIntoBoundedRequests() {
        let tokens = (0..<10_000).map { "token\($0)" }
        let template = GorushNotification(tokens: [], platform: .android, message: "m")
        let requests = GorushRequest.batches(of: template, tokens: tokens)
        #expect(requests.count == 1)  // 20 objects of 500 tokens
        #expect(requests[0].notifications.count == 20)
        #expect(requests.flatMap { $0.notifications.flatMap(\.tokens) } == tokens)
        let small = GorushRequest.batches(of: template, tokens: tokens, tokensPerNotification: 7, notificationsPerRequest: 100)
        #expect(small.count == 15)
        #expect(small.allSatisfy { $0.notifications.count <= 100 && $0.notifications.allSatisfy { $0.tokens.count <= 7 } })
        #expect(small.flatMap { $0.notifications.flatMap(\.tokens) } == tokens)
        #expect(GorushRequest.batches(of: template, tokens: []).isEmpty)
    }

    @Test func responseFailuresAndInvalidTokens() throws {
        let json = #"""
        {"counts":4,"logs":[
         {"type":"failed-push","platform":"ios","token":"a","message":"hi","error":"BadDeviceToken"},
         {"type":"failed-push","platform":"ios","token":"b","message":"hi","error":"Unregistered"},
         {"type":"failed-push","platform":"android","token":"c","message":"hi","error":"TooManyRequests"},
         {"type":"failed-push","platform":"android","token":"d","message":"hi","error":"NotRegistered"},
         {"type":"succeeded-push","platform":"android","token":"e","message":"hi"}],"success":"ok"}
        """#
        let response = try GorushResponse(json: Array(json.utf8))
        #expect(response.success == "ok" && response.counts == 4)
        #expect(response.failures.map(\.token) == ["a", "b", "c", "d"])
        #expect(response.invalidTokens == ["a", "b", "d"])
        let empty = try GorushResponse(json: Array(#"{"success":"ok","counts":1,"logs":[]}"#.utf8))
        #expect(empty.failures.isEmpty)
    }

    @Test func classifier() {
        let table: [(String, Bool)] = [
            ("BadDeviceToken", true), ("Unregistered", true), ("DeviceTokenNotForTopic", true), ("NotRegistered", true),
            ("UNREGISTERED", true), ("InvalidRegistration", true), ("messaging/registration-token-not-registered", true),
            ("TooManyRequests", false), ("ServiceUnavailable", false), ("InternalServerError", false), ("QUOTA_EXCEEDED", false),
            ("BadTopic", false), ("", false),
        ]
        for (error, invalid) in table { #expect(GorushResponse.isInvalidTokenError(error) == invalid, "\(error)") }
    }

    @Test func responseRefusals() {
        let cases: [(String, PushError)] = [
            ("[]", .malformedGorushResponse("not {\"counts\",\"logs\",\"success\"}")),
            (#"{"counts":1}"#, .malformedGorushResponse("no success member")),
            (#"{"success":"ok","logs":{}}"#, .malformedGorushResponse("not {\"counts\",\"logs\",\"success\"}")),
        ]
        for (json, expected) in cases { #expect(throws: expected) { try GorushResponse(json: Array(json.utf8)) } }
    }
}
