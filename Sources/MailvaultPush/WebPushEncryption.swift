import Crypto
import Foundation

/// Web Push message encryption (RFC 8291) in the `aes128gcm` content coding (RFC 8188).
///
/// The sender makes a fresh P-256 key pair and salt per message, agrees a secret with the
/// subscription's key, mixes in the subscription's `auth` secret, and seals the payload in one
/// record. The body is the RFC 8188 header — salt (16), record size (4, big-endian), key id
/// length (1) and key id (the sender's 65-byte public key) — followed by the record.
public enum WebPushEncryption {
    /// The size of the `aes128gcm` header with a 65-byte key id: 16 + 4 + 1 + 65.
    public static let headerSize = 86
    /// The AES-GCM tag each record ends with.
    static let tagSize = 16

    /// Encrypts `payload` to `subscription` as one `aes128gcm` record of at most `recordSize`
    /// bytes (payload + 1 delimiter byte + 16 tag bytes).
    ///
    /// `salt` and `senderKey` default to fresh random values, as they must in use; tests pass
    /// RFC 8291 Appendix A's values to reproduce its example.
    public static func encrypt(payload: [UInt8], to subscription: WebPushSubscription, recordSize: Int = 4096,
                               salt: [UInt8]? = nil,
                               senderKey: P256.KeyAgreement.PrivateKey? = nil) throws(PushError) -> [UInt8] {
        // RFC 8188 §2: a record must hold at least the delimiter and the tag, plus one byte.
        guard recordSize >= 18, recordSize <= Int(UInt32.max) else { throw .invalidRecordSize(recordSize) }
        let limit = recordSize - 1 - tagSize
        guard payload.count <= limit else { throw .payloadTooLarge(size: payload.count, limit: limit) }
        let salt = salt ?? randomBytes(16)
        guard salt.count == 16 else { throw .malformedCiphertext("the salt is \(salt.count) bytes, not 16") }
        let senderKey = senderKey ?? P256.KeyAgreement.PrivateKey()
        let receiverKey: P256.KeyAgreement.PublicKey
        do {
            receiverKey = try P256.KeyAgreement.PublicKey(x963Representation: subscription.p256dh)
        } catch {
            throw .invalidKey("the subscription's p256dh is not a point on P-256")
        }
        let senderPublic = Array(senderKey.publicKey.x963Representation)
        let keys = try deriveKeys(secret: try agree(senderKey, receiverKey), auth: subscription.auth,
                                  receiverPublic: subscription.p256dh, senderPublic: senderPublic, salt: salt)
        // One record, the last: payload ++ 0x02 (RFC 8188 §2, no further padding).
        var plaintext = payload
        plaintext.append(0x02)
        let sealed: AES.GCM.SealedBox
        do {
            sealed = try AES.GCM.seal(plaintext, using: keys.contentKey, nonce: try AES.GCM.Nonce(data: keys.nonce))
        } catch {
            throw .invalidKey("AES-GCM refused the derived key: \(error)")
        }
        var body = salt
        body.reserveCapacity(headerSize + plaintext.count + tagSize)
        withUnsafeBytes(of: UInt32(recordSize).bigEndian) { body.append(contentsOf: $0) }
        body.append(UInt8(senderPublic.count))
        body.append(contentsOf: senderPublic)
        body.append(contentsOf: sealed.ciphertext)
        body.append(contentsOf: sealed.tag)
        return body
    }

    /// Decrypts an `aes128gcm` body sent to the holder of `privateKey` and `auth`: the receiving
    /// user agent's side of RFC 8291, for tests' push services and app developers.
    ///
    /// Accepts one or more records; every record but the last ends in the delimiter 0x01, the
    /// last in 0x02, each optionally followed by zero padding (RFC 8188 §2).
    public static func decrypt(_ body: [UInt8], privateKey: P256.KeyAgreement.PrivateKey,
                               auth: [UInt8]) throws(PushError) -> [UInt8] {
        guard auth.count == 16 else { throw .invalidSubscription("auth is \(auth.count) bytes, not 16") }
        guard body.count >= 21 else { throw .malformedCiphertext("shorter than the 21-byte header") }
        let salt = Array(body[0..<16])
        let recordSize = Int(body[16]) << 24 | Int(body[17]) << 16 | Int(body[18]) << 8 | Int(body[19])
        guard recordSize >= 18 else { throw .malformedCiphertext("record size \(recordSize) is below 18") }
        let keyIDLength = Int(body[20])
        guard keyIDLength == 65 else { throw .malformedCiphertext("the key id is \(keyIDLength) bytes, not a 65-byte P-256 key") }
        guard body.count >= 21 + keyIDLength else { throw .malformedCiphertext("truncated in the key id") }
        let senderPublic = Array(body[21..<(21 + keyIDLength)])
        let senderKey: P256.KeyAgreement.PublicKey
        do {
            senderKey = try P256.KeyAgreement.PublicKey(x963Representation: senderPublic)
        } catch {
            throw .invalidKey("the key id is not a point on P-256")
        }
        let receiverPublic = Array(privateKey.publicKey.x963Representation)
        let keys = try deriveKeys(secret: try agree(privateKey, senderKey), auth: auth, receiverPublic: receiverPublic,
                                  senderPublic: senderPublic, salt: salt)
        var records = body[(21 + keyIDLength)...]
        guard !records.isEmpty else { throw .malformedCiphertext("no record") }
        var plaintext: [UInt8] = []
        var sequence: UInt64 = 0
        while !records.isEmpty {
            let record = records.prefix(recordSize)
            records = records.dropFirst(record.count)
            guard record.count > tagSize else { throw .malformedCiphertext("a record shorter than its tag") }
            var nonce = keys.nonce
            // RFC 8188 §2.3: the nonce is the derived one XOR the record's sequence number.
            for index in 0..<8 { nonce[4 + index] ^= UInt8(truncatingIfNeeded: sequence >> (56 - 8 * UInt64(index))) }
            let opened: Data
            do {
                let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonce), ciphertext: record.dropLast(tagSize),
                                                tag: record.suffix(tagSize))
                opened = try AES.GCM.open(box, using: keys.contentKey)
            } catch {
                throw .decryptionFailed
            }
            // Strip the zero padding, then the delimiter: 0x02 only on the last record.
            guard let delimiterIndex = opened.lastIndex(where: { $0 != 0 }) else {
                throw .malformedCiphertext("a record without a delimiter")
            }
            let delimiter = opened[delimiterIndex]
            let isLast = records.isEmpty
            guard delimiter == (isLast ? 0x02 : 0x01) else {
                throw .malformedCiphertext("record \(sequence) ends in 0x\(String(delimiter, radix: 16)), not \(isLast ? "0x02" : "0x01")")
            }
            plaintext.append(contentsOf: opened[opened.startIndex..<delimiterIndex])
            sequence += 1
        }
        return plaintext
    }

    struct Keys {
        let contentKey: SymmetricKey
        let nonce: [UInt8]
    }

    /// RFC 8291 §3.3-3.4 and RFC 8188 §2.2: IKM from the ECDH secret and `auth`, then the
    /// content-encryption key and nonce from the IKM and the salt.
    static func deriveKeys(secret: SharedSecret, auth: [UInt8], receiverPublic: [UInt8], senderPublic: [UInt8],
                           salt: [UInt8]) throws(PushError) -> Keys {
        var keyInfo = Array("WebPush: info".utf8)
        keyInfo.append(0)
        keyInfo.append(contentsOf: receiverPublic)
        keyInfo.append(contentsOf: senderPublic)
        let inputKey = secret.hkdfDerivedSymmetricKey(using: SHA256.self, salt: auth, sharedInfo: keyInfo, outputByteCount: 32)
        let contentKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: inputKey, salt: salt,
                                                info: Array("Content-Encoding: aes128gcm\0".utf8), outputByteCount: 16)
        let nonce = HKDF<SHA256>.deriveKey(inputKeyMaterial: inputKey, salt: salt,
                                           info: Array("Content-Encoding: nonce\0".utf8), outputByteCount: 12)
        return Keys(contentKey: contentKey, nonce: nonce.withUnsafeBytes { Array($0) })
    }

    static func agree(_ privateKey: P256.KeyAgreement.PrivateKey,
                      _ publicKey: P256.KeyAgreement.PublicKey) throws(PushError) -> SharedSecret {
        do {
            return try privateKey.sharedSecretFromKeyAgreement(with: publicKey)
        } catch {
            throw .invalidKey("ECDH failed: \(error)")
        }
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}

extension WebPushSubscription {
    /// Checks that `p256dh` is a point on P-256 (the constructor checks its shape only).
    public func checkKey() throws(PushError) {
        do {
            _ = try P256.KeyAgreement.PublicKey(x963Representation: p256dh)
        } catch {
            throw .invalidSubscription("p256dh is not a point on P-256")
        }
    }
}
