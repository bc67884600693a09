import Crypto
import Foundation
@testable import MailvaultPush
import Testing

@Suite struct WebPushEncryptionTests {
    static let vectors = PushVectors.shared

    @Test func reproducesRFC8291AppendixAByteForByte() throws {
        let rfc = Self.vectors.rfc8291
        let subscription = try WebPushSubscription(endpoint: "https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV",
                                                   p256dh: rfc.uaPublic, auth: rfc.auth)
        let sender = try P256.KeyAgreement.PrivateKey(rawRepresentation: b64u(rfc.asPrivate))
        #expect(Array(sender.publicKey.x963Representation) == b64u(rfc.asPublic))
        let body = try WebPushEncryption.encrypt(payload: Array(rfc.plaintext.utf8), to: subscription, recordSize: 4096,
                                                 salt: b64u(rfc.salt), senderKey: sender)
        #expect(Base64Text.urlEncode(body) == rfc.body)
        let receiver = try P256.KeyAgreement.PrivateKey(rawRepresentation: b64u(rfc.uaPrivate))
        #expect(try WebPushEncryption.decrypt(b64u(rfc.body), privateKey: receiver, auth: b64u(rfc.auth))
                == Array(rfc.plaintext.utf8))
    }

    @Test(arguments: PushVectors.shared.webpush.indices)
    func matchesHttpECE(index: Int) throws {
        let vector = Self.vectors.webpush[index]
        let subscription = try WebPushSubscription(endpoint: "https://push.example.net/x", p256dh: vector.receiverPublic,
                                                   auth: vector.auth)
        let sender = try P256.KeyAgreement.PrivateKey(rawRepresentation: b64u(vector.senderPrivate))
        let body = try WebPushEncryption.encrypt(payload: hex(vector.payload), to: subscription, recordSize: vector.recordSize,
                                                 salt: b64u(vector.salt), senderKey: sender)
        // http-ece writes one record per (rs - 17) bytes; Mailvault sends one record, so bodies
        // agree whenever the payload fits one record, and decryption must agree always.
        let receiver = try P256.KeyAgreement.PrivateKey(rawRepresentation: b64u(vector.receiverPrivate))
        if vector.payload.isEmpty {
            // http-ece writes no record at all for an empty payload (header only); RFC 8188 needs a
            // last record carrying the delimiter, which Mailvault sends, and refuses a body without one.
            #expect(hexString(Array(body.prefix(WebPushEncryption.headerSize))) == vector.body)
            #expect(throws: PushError.malformedCiphertext("no record")) {
                try WebPushEncryption.decrypt(hex(vector.body), privateKey: receiver, auth: b64u(vector.auth))
            }
            #expect(try WebPushEncryption.decrypt(body, privateKey: receiver, auth: b64u(vector.auth)) == [])
            return
        }
        if hex(vector.payload).count <= vector.recordSize - 17 { #expect(hexString(body) == vector.body) }
        #expect(try WebPushEncryption.decrypt(hex(vector.body), privateKey: receiver, auth: b64u(vector.auth))
                == hex(vector.payload))
    }

    @Test func independentDecrypterReadsWhatSwiftSends() throws {
        let receiver = P256.KeyAgreement.PrivateKey()
        let auth = WebPushEncryption.randomBytes(16)
        let subscription = try WebPushSubscription(endpoint: "https://push.example.net/x",
                                                   p256dh: Array(receiver.publicKey.x963Representation), auth: auth)
        let payload = Array(#"{"hash":"0x00","id":"1","sent":1,"topic":"0x01020304"}"#.utf8)
        let body = try WebPushEncryption.encrypt(payload: payload, to: subscription)
        guard let result = pushVerify(["webpush", Base64Text.urlEncode(receiver.rawRepresentation), Base64Text.urlEncode(auth)],
                                      stdin: hexString(body)) else { return }
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output == hexString(payload))
    }

    @Test func freshSaltAndKeyPerMessage() throws {
        let receiver = P256.KeyAgreement.PrivateKey()
        let subscription = try WebPushSubscription(endpoint: "https://push.example.net/x",
                                                   p256dh: Array(receiver.publicKey.x963Representation), auth: [UInt8](repeating: 7, count: 16))
        let first = try WebPushEncryption.encrypt(payload: [1, 2, 3], to: subscription)
        let second = try WebPushEncryption.encrypt(payload: [1, 2, 3], to: subscription)
        #expect(first.prefix(16) != second.prefix(16))
        #expect(first[21..<86] != second[21..<86])
        #expect(first.count == WebPushEncryption.headerSize + 3 + 1 + 16)
    }

    @Test func encryptionRefusals() throws {
        let receiver = P256.KeyAgreement.PrivateKey()
        let subscription = try WebPushSubscription(endpoint: "https://push.example.net/x",
                                                   p256dh: Array(receiver.publicKey.x963Representation), auth: [UInt8](repeating: 1, count: 16))
        #expect(throws: PushError.invalidRecordSize(17)) { try WebPushEncryption.encrypt(payload: [], to: subscription, recordSize: 17) }
        #expect(throws: PushError.payloadTooLarge(size: 4080, limit: 4079)) {
            try WebPushEncryption.encrypt(payload: [UInt8](repeating: 0, count: 4080), to: subscription)
        }
        // 65 bytes starting with 0x04 but not on the curve.
        var offCurve = [UInt8](repeating: 1, count: 65)
        offCurve[0] = 4
        let bad = try WebPushSubscription(endpoint: "https://push.example.net/x", p256dh: offCurve, auth: [UInt8](repeating: 1, count: 16))
        #expect(throws: PushError.invalidKey("the subscription's p256dh is not a point on P-256")) {
            try WebPushEncryption.encrypt(payload: [1], to: bad)
        }
    }

    @Test func decryptionRefusals() throws {
        let rfc = Self.vectors.rfc8291
        let receiver = try P256.KeyAgreement.PrivateKey(rawRepresentation: b64u(rfc.uaPrivate))
        let body = b64u(rfc.body)
        let auth = b64u(rfc.auth)
        var altered = body
        altered[altered.count - 1] ^= 1
        var wrongAuth = auth
        wrongAuth[0] ^= 1
        var shortKeyID = body
        shortKeyID[20] = 64
        var smallRecord = body
        smallRecord[18] = 0
        smallRecord[19] = 17
        let cases: [(String, [UInt8], [UInt8], PushError)] = [
            ("altered tag", altered, auth, .decryptionFailed),
            ("wrong auth", body, wrongAuth, .decryptionFailed),
            ("short", Array(body.prefix(20)), auth, .malformedCiphertext("shorter than the 21-byte header")),
            ("key id length", shortKeyID, auth, .malformedCiphertext("the key id is 64 bytes, not a 65-byte P-256 key")),
            ("record size", smallRecord.map { $0 }, auth, .malformedCiphertext("record size 17 is below 18")),
            ("truncated key", Array(body.prefix(50)), auth, .malformedCiphertext("truncated in the key id")),
            ("no record", Array(body.prefix(86)), auth, .malformedCiphertext("no record")),
            ("record under tag", Array(body.prefix(90)), auth, .malformedCiphertext("a record shorter than its tag")),
        ]
        for (name, input, secret, expected) in cases {
            #expect(throws: expected, "\(name)") { try WebPushEncryption.decrypt(input, privateKey: receiver, auth: secret) }
        }
        #expect(throws: PushError.invalidSubscription("auth is 3 bytes, not 16")) {
            try WebPushEncryption.decrypt(body, privateKey: receiver, auth: [1, 2, 3])
        }
    }

    @Test func decryptionRefusesAWrongDelimiter() throws {
        // A record sealed with the right keys whose last byte is 0x01 ("more records follow").
        let receiver = P256.KeyAgreement.PrivateKey()
        let sender = P256.KeyAgreement.PrivateKey()
        let auth = [UInt8](repeating: 9, count: 16), salt = [UInt8](repeating: 3, count: 16)
        let receiverPublic = Array(receiver.publicKey.x963Representation), senderPublic = Array(sender.publicKey.x963Representation)
        let keys = try WebPushEncryption.deriveKeys(secret: try sender.sharedSecretFromKeyAgreement(with: receiver.publicKey),
                                                    auth: auth, receiverPublic: receiverPublic, senderPublic: senderPublic, salt: salt)
        let sealed = try AES.GCM.seal([UInt8]([0x41, 0x01]), using: keys.contentKey, nonce: AES.GCM.Nonce(data: keys.nonce))
        let body = salt + [0, 0, 16, 0, 65] + senderPublic + Array(sealed.ciphertext) + Array(sealed.tag)
        #expect(throws: PushError.malformedCiphertext("record 0 ends in 0x1, not 0x02")) {
            try WebPushEncryption.decrypt(body, privateKey: receiver, auth: auth)
        }
    }
}
