import CZstd
import Foundation
import MailvaultCore

/// Compresses envelopes into records and restores them.
///
/// Each record is compressed on its own (not per block), so reading one envelope never
/// decompresses its neighbours. A payload is kept compressed only when that saves at least
/// 1/32 of it: encrypted payloads do not compress, and storing them raw saves the decoder's
/// time on every read.
final class RecordCodec: @unchecked Sendable {
    /// Payloads shorter than this are never worth a zstd frame header.
    static let minimumCompressible = 64

    private let level: Int32
    /// Decompression contexts for readers, reused to avoid an allocation per read.
    private let pool = NSLock()
    private var idle: [OpaquePointer] = []

    init(level: Int32) {
        self.level = level
    }

    deinit {
        for dctx in idle { ZSTD_freeDCtx(dctx) }
    }

    /// The records for a batch, built on the caller's thread so that compression runs in
    /// parallel with other callers and outside the write transaction.
    func records(for envelopes: [Envelope], pows: [Float]) -> [[UInt8]] {
        var compressor: OpaquePointer?
        if level > 0, let cctx = ZSTD_createCCtx() {
            ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
            ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0)
            compressor = cctx
        }
        defer { if let compressor { ZSTD_freeCCtx(compressor) } }
        return zip(envelopes, pows).map { record(for: $0, pow: $1, compressor: compressor) }
    }

    /// The record for an envelope: compressed when it pays, raw otherwise.
    private func record(for envelope: Envelope, pow: Float, compressor: OpaquePointer?) -> [UInt8] {
        let raw = envelope.encoded
        if let compressor, raw.count >= RecordCodec.minimumCompressible, RecordCodec.mayCompress(envelope.data) {
            let capacity = ZSTD_compressBound(raw.count)
            var frame = [UInt8](repeating: 0, count: capacity)
            let written = frame.withUnsafeMutableBytes { out in
                raw.withUnsafeBytes { input in
                    ZSTD_compress2(compressor, out.baseAddress, capacity, input.baseAddress, input.count)
                }
            }
            if ZSTD_isError(written) == 0, written < raw.count - raw.count / 32 {
                return Record.encode(kind: .zstd, topic: envelope.topic, pow: pow, payload: frame[0..<written])
            }
        }
        return Record.encode(kind: .raw, topic: envelope.topic, pow: pow, payload: raw)
    }

    /// A cheap test that rules out encrypted (random-looking) payloads before zstd spends
    /// microseconds finding out: 256 random bytes hold about 160 distinct values, text and
    /// structured data far fewer. The model-based and compression tests check that both kinds
    /// still read back, and StoreReport measures the ratios either way.
    static func mayCompress(_ data: ArraySlice<UInt8>) -> Bool {
        guard data.count >= 256 else { return true }
        // One bit per byte value, set without branches, counted once at the end: a few hundred
        // nanoseconds for the 256 bytes (a per-byte branch on "seen before" cost microseconds).
        return data.withUnsafeBytes { raw in
            var seen: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            withUnsafeMutableBytes(of: &seen) { words in
                let bits = words.bindMemory(to: UInt64.self)
                for index in 0..<256 {
                    let byte = raw[index]
                    bits[Int(byte >> 6)] |= UInt64(1) << UInt64(byte & 63)
                }
            }
            let distinct = seen.0.nonzeroBitCount + seen.1.nonzeroBitCount + seen.2.nonzeroBitCount
                + seen.3.nonzeroBitCount
            return distinct < 128
        }
    }

    /// The plain reading of `mayCompress` (a set of the first 256 bytes), which tests compare
    /// the fast one with.
    static func mayCompressPlain(_ data: ArraySlice<UInt8>) -> Bool {
        data.count < 256 || Set(data.prefix(256)).count < 128
    }

    /// The RLP a record holds.
    func rlp(of record: Record) throws(StoreError) -> [UInt8] {
        switch record.kind {
        case .raw:
            return Array(record.payload)
        case .zstd:
            let size = ZSTD_getFrameContentSize(record.payload.baseAddress, record.payload.count)
            // The two sentinels (unknown, error) are the top values of the type.
            guard size < UInt64.max - 1, size <= UInt64(IngestPolicy.hardMaximumSize + 64) else {
                throw .corrupt("a compressed record has no valid content size")
            }
            let dctx = try checkOut()
            defer { checkIn(dctx) }
            var out = [UInt8](repeating: 0, count: Int(size))
            let written = out.withUnsafeMutableBytes { buffer in
                ZSTD_decompressDCtx(dctx, buffer.baseAddress, buffer.count, record.payload.baseAddress,
                                    record.payload.count)
            }
            guard ZSTD_isError(written) == 0, written == Int(size) else {
                throw .corrupt("a compressed record does not decompress")
            }
            return out
        }
    }

    /// The envelope a record holds, decoded strictly.
    func envelope(of record: Record) throws(StoreError) -> Envelope {
        do {
            return try Envelope(decoding: try rlp(of: record))
        } catch let error as StoreError {
            throw error
        } catch {
            throw .corrupt("a stored record is not an envelope: \(error)")
        }
    }

    /// The RLP's length without decompressing.
    static func rawLength(of record: Record) -> Int {
        switch record.kind {
        case .raw: return record.payload.count
        case .zstd:
            let size = ZSTD_getFrameContentSize(record.payload.baseAddress, record.payload.count)
            return size < UInt64.max - 1 ? Int(clamping: size) : 0
        }
    }

    private func checkOut() throws(StoreError) -> OpaquePointer {
        pool.lock()
        if let dctx = idle.popLast() {
            pool.unlock()
            return dctx
        }
        pool.unlock()
        guard let dctx = ZSTD_createDCtx() else { throw .zstd("cannot allocate a decompression context") }
        return dctx
    }

    private func checkIn(_ dctx: OpaquePointer) {
        pool.lock()
        idle.append(dctx)
        pool.unlock()
    }
}
