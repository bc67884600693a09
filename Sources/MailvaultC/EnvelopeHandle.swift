import CMailvaultHeader
import MailvaultCore

/// What an `mv_envelope` points to: a decoded envelope and a copy of its encoding at a fixed
/// address, so the `data` and `encoded` pointers C borrows stay valid for the handle's life.
final class EnvelopeHandle {
    /// The envelope.
    let envelope: Envelope
    /// Its encoding, owned by the handle.
    let storage: UnsafeMutableBufferPointer<UInt8>
    /// Where the payload starts within `storage`.
    let dataOffset: Int

    /// Takes a copy of `envelope`'s encoding.
    init(_ envelope: Envelope) {
        self.envelope = envelope
        storage = .allocate(capacity: max(1, envelope.encoded.count))
        _ = storage.initialize(from: envelope.encoded)
        dataOffset = envelope.data.startIndex - envelope.encoded.startIndex
    }

    deinit {
        storage.deallocate()
    }

    /// The C view of the fields; pointers into `storage`.
    var fields: mv_envelope_fields {
        var fields = mv_envelope_fields()
        fields.expiry = envelope.expiry
        fields.ttl = envelope.ttl
        fields.sent = envelope.sentTime
        copyBytes(envelope.topic.bytes, into: &fields.topic)
        fields.nonce = envelope.nonce
        fields.size = envelope.size
        fields.encoded = UnsafePointer(storage.baseAddress)
        fields.encoded_length = envelope.encoded.count
        fields.data = UnsafePointer(storage.baseAddress.map { $0 + dataOffset })
        fields.data_length = envelope.data.count
        return fields
    }

    /// Decodes `bytes` strictly into a handle.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) throws(CAPIError) -> EnvelopeHandle {
        do {
            return EnvelopeHandle(try Envelope(decoding: Array(bytes)))
        } catch {
            throw CAPIError(error)
        }
    }
}

extension mv_work {
    /// The C form of a PoW check.
    init(_ check: PoWCheck) {
        self.init()
        status = MV_OK
        rlp_without_nonce_length = UInt32(clamping: check.rlpWithoutNonceLength)
        pow = check.pow()
        copyBytes(check.hash.bytes, into: &hash)
        copyBytes(check.powHash.bytes, into: &pow_hash)
    }
}
