import Foundation
@testable import MailvaultPush
import Testing

@Suite struct WebhookSignatureTests {
    @Test(arguments: PushVectors.shared.webhooks.indices)
    func matchesStandardWebhooks(index: Int) throws {
        let vector = PushVectors.shared.webhooks[index]
        let signature = try WebhookSignature.sign(id: vector.id, timestamp: vector.timestamp, payload: hex(vector.payload),
                                                  secret: vector.secret)
        #expect(signature == vector.signature)
        try WebhookSignature.verify(id: vector.id, timestamp: String(vector.timestamp), signature: "v1a,AAAA " + vector.signature,
                                    payload: hex(vector.payload), secret: vector.secret, now: vector.timestamp + 300)
    }

    @Test func secretsHaveTheStandardForm() throws {
        let secret = WebhookSignature.generateSecret()
        #expect(secret.hasPrefix("whsec_"))
        #expect(try WebhookSignature.key(secret: secret).count == 32)
        #expect(try WebhookSignature.key(secret: WebhookSignature.generateSecret(byteCount: 100)).count == 64)
        #expect(WebhookSignature.generateSecret() != secret)
        for bad in ["whsec_", "whsec_AAAA", "whsec_!!", "whsec_" + Data(count: 65).base64EncodedString()] {
            #expect(throws: PushError.invalidWebhookSecret) { try WebhookSignature.key(secret: bad) }
        }
    }

    @Test func standardWebhooksVerifiesSwiftSignatures() throws {
        let secret = WebhookSignature.generateSecret()
        let now = Int64(Date().timeIntervalSince1970)
        let body = Array(#"{"notifications":[]}"#.utf8)
        let signature = try WebhookSignature.sign(id: "0123abcd", timestamp: now, payload: body, secret: secret)
        guard let result = pushVerify(["webhook", secret, "0123abcd", String(now), signature], stdin: hexString(body)) else { return }
        #expect(result.status == 0, "\(result.output)")
        let wrong = pushVerify(["webhook", WebhookSignature.generateSecret(), "0123abcd", String(now), signature], stdin: hexString(body))
        #expect(wrong?.status == 1)
    }

    @Test func refusals() throws {
        let secret = "whsec_" + Data(repeating: 7, count: 32).base64EncodedString()
        let body = Array("{}".utf8)
        let good = try WebhookSignature.sign(id: "m1", timestamp: 1000, payload: body, secret: secret)
        let cases: [(id: String, timestamp: String, signature: String, now: Int64, error: PushError)] = [
            ("m1", "1000", good, 1301, .webhookTimestampOutOfTolerance(timestamp: 1000, now: 1301)),
            ("m1", "1000", good, 699, .webhookTimestampOutOfTolerance(timestamp: 1000, now: 699)),
            ("m2", "1000", good, 1000, .webhookSignatureMismatch),
            ("m1", "1001", good, 1000, .webhookSignatureMismatch),
            ("m1", "1000", "v1,AAAA", 1000, .webhookSignatureMismatch),
            ("m1", "1000", "", 1000, .malformedWebhookHeaders("webhook-signature is empty")),
            ("m1", "1000", "v1a,abc", 1000, .malformedWebhookHeaders("no v1 signature")),
            ("m1", "1000", "abc", 1000, .malformedWebhookHeaders("'abc' is not <version>,<signature>")),
            ("m1", "1000", "v1,***", 1000, .malformedWebhookHeaders("a v1 signature that is not base64")),
            ("m1", "-5", good, 1000, .malformedWebhookHeaders("webhook-timestamp '-5' is not Unix seconds")),
            ("m1", "", good, 1000, .malformedWebhookHeaders("webhook-timestamp '' is not Unix seconds")),
            ("", "1000", good, 1000, .malformedWebhookHeaders("webhook-id must be 1 to 256 printable ASCII characters")),
            ("a b", "1000", good, 1000, .malformedWebhookHeaders("webhook-id must be 1 to 256 printable ASCII characters")),
        ]
        for item in cases {
            #expect(throws: item.error) {
                try WebhookSignature.verify(id: item.id, timestamp: item.timestamp, signature: item.signature, payload: body,
                                            secret: secret, now: item.now)
            }
        }
        #expect(throws: PushError.malformedWebhookHeaders("no webhook-signature header")) {
            try WebhookSignature.verify(headers: ["Webhook-Id": "m1", "webhook-timestamp": "1000"], payload: body, secret: secret, now: 1000)
        }
        try WebhookSignature.verify(headers: ["Webhook-Id": "m1", "Webhook-Timestamp": "1000", "Webhook-Signature": good],
                                    payload: body, secret: secret, now: 1000)
        #expect(throws: PushError.malformedWebhookHeaders("more than 16 signatures")) {
            _ = try WebhookSignatureHeader.parse(Array(repeating: good, count: 17).joined(separator: " "))
        }
    }
}
