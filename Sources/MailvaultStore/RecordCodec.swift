import CZstd
import Foundation
import MailvaultCore

/// Compresses envelopes into records and restores them.
///
/// Each record is compressed on its own (not per block), so reading one envelope never
/// decompresses its neighbours. A payload is kept compressed only when that saves at least
/// 1/32 of it: encrypted payloads do not compress, and storing them raw saves the decoder's
/// time on every read. With a dictionary in use (`use(dictionary:bytes:)`), compressible
/// records are compressed with it and name it by id; a record names the dictionary it needs,
/// so any dictionary the database holds can be read back, whichever is in use.
final class RecordCodec: @unchecked Sendable {
    /// Payloads shorter than this are never worth a zstd frame header.
    static let minimumCompressible = 64

    private let level: Int32
    private let pool = NSLock()
    /// Decompression contexts for readers, reused to avoid an allocation per read.
    private var idle: [OpaquePointer] = []
    /// The dictionary new records are compressed with, if any.
    private var current: (id: UInt32, cdict: OpaquePointer)?
    /// Every compression dictionary made, freed only at deinit: a batch being compressed on
    /// another thread may still hold one that was replaced.
    private var cdicts: [OpaquePointer] = []
    /// Decompression dictionaries by id, loaded from the database on first use.
    private var ddicts: [UInt32: OpaquePointer] = [:]

    init(level: Int32) {
        self.level = level
    }

    deinit {
        for dctx in idle { ZSTD_freeDCtx(dctx) }
        for cdict in cdicts { ZSTD_freeCDict(cdict) }
        for ddict in ddicts.values { ZSTD_freeDDict(ddict) }
    }

    /// The id of the dictionary new records are compressed with, if any.
    var dictionaryInUse: UInt32? {
        pool.lock()
        defer { pool.unlock() }
        return current?.id
    }

    /// Compresses new records with this dictionary (already committed to the database as `id`).
    func use(dictionary id: UInt32, bytes: [UInt8]) throws(StoreError) {
        guard level > 0 else { return }
        let made = bytes.withUnsafeBytes { ZSTD_createCDict($0.baseAddress, $0.count, level) }
        guard let cdict = made else { throw .zstd("cannot build compression dictionary \(id)") }
        pool.lock()
        cdicts.append(cdict)
        current = (id, cdict)
        pool.unlock()
    }

    /// The records for a batch, built on the caller's thread so that compression runs in
    /// parallel with other callers and outside the write transaction.
    func records(for envelopes: [Envelope]) -> [[UInt8]] {
        var compressor: OpaquePointer?
        pool.lock()
        let dictionary = current
        pool.unlock()
        if level > 0, let cctx = ZSTD_createCCtx() {
            ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
            ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0)
            if let dictionary {
                // The record names the dictionary; the frame need not repeat its id.
                ZSTD_CCtx_setParameter(cctx, ZSTD_c_dictIDFlag, 0)
                ZSTD_CCtx_refCDict(cctx, dictionary.cdict)
            }
            compressor = cctx
        }
        defer { if let compressor { ZSTD_freeCCtx(compressor) } }
        return envelopes.map { record(for: $0, compressor: compressor, dictionary: dictionary?.id ?? 0) }
    }

    /// The record for an envelope: compressed when it pays (with dictionary `dictionary` when
    /// it is not 0), raw otherwise.
    private func record(for envelope: Envelope, compressor: OpaquePointer?, dictionary: UInt32) -> [UInt8] {
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
                return Record.encode(kind: dictionary == 0 ? .zstd : .zstdDictionary, topic: envelope.topic,
                                     dictionary: dictionary, payload: frame[0..<written])
            }
        }
        return Record.encode(kind: .raw, topic: envelope.topic, payload: raw)
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

    /// The RLP a record holds; `dictionaries` gives the bytes of a dictionary not loaded yet.
    func rlp(of record: Record, dictionaries: DictionarySource) throws(StoreError) -> [UInt8] {
        switch record.kind {
        case .raw:
            return Array(record.payload)
        case .zstd, .zstdDictionary:
            let ddict = record.kind == .zstdDictionary
                ? try decompressionDictionary(record.dictionary, dictionaries) : nil
            let size = ZSTD_getFrameContentSize(record.payload.baseAddress, record.payload.count)
            // The two sentinels (unknown, error) are the top values of the type.
            guard size < UInt64.max - 1, size <= UInt64(IngestPolicy.hardMaximumSize + 64) else {
                throw .corrupt("a compressed record has no valid content size")
            }
            let dctx = try checkOut()
            defer { checkIn(dctx) }
            var out = [UInt8](repeating: 0, count: Int(size))
            let written = out.withUnsafeMutableBytes { buffer in
                if let ddict {
                    ZSTD_decompress_usingDDict(dctx, buffer.baseAddress, buffer.count, record.payload.baseAddress,
                                               record.payload.count, ddict)
                } else {
                    ZSTD_decompressDCtx(dctx, buffer.baseAddress, buffer.count, record.payload.baseAddress,
                                        record.payload.count)
                }
            }
            guard ZSTD_isError(written) == 0, written == Int(size) else {
                throw .corrupt("a compressed record does not decompress")
            }
            return out
        }
    }

    /// The hash of the envelope a record holds: keccak256 of its RLP, read in place when raw.
    func hash(of record: Record, dictionaries: DictionarySource) throws(StoreError) -> Hash256 {
        record.kind == .raw ? Keccak256.hash(record.payload) : Keccak256.hash(try rlp(of: record, dictionaries: dictionaries))
    }

    /// The envelope a record holds, decoded strictly.
    func envelope(of record: Record, dictionaries: DictionarySource) throws(StoreError) -> Envelope {
        try RecordCodec.envelope(ofRLP: try rlp(of: record, dictionaries: dictionaries))
    }

    /// An envelope decoded strictly from a stored RLP.
    static func envelope<C: Collection<UInt8>>(ofRLP rlp: C) throws(StoreError) -> Envelope {
        do {
            return try Envelope(decoding: Array(rlp))
        } catch {
            throw .corrupt("a stored record is not an envelope: \(error)")
        }
    }

    /// The RLP's length without decompressing.
    static func rawLength(of record: Record) -> Int {
        switch record.kind {
        case .raw: return record.payload.count
        case .zstd, .zstdDictionary:
            let size = ZSTD_getFrameContentSize(record.payload.baseAddress, record.payload.count)
            return size < UInt64.max - 1 ? Int(clamping: size) : 0
        }
    }

    /// The decompression dictionary `id`, loaded from the database the first time.
    private func decompressionDictionary(_ id: UInt32, _ source: DictionarySource) throws(StoreError) -> OpaquePointer {
        pool.lock()
        if let ddict = ddicts[id] {
            pool.unlock()
            return ddict
        }
        pool.unlock()
        guard let bytes = try source.bytes(of: id) else {
            throw .corrupt("a record needs zstd dictionary \(id), which the store does not hold")
        }
        guard let made = bytes.withUnsafeBytes({ ZSTD_createDDict($0.baseAddress, $0.count) }) else {
            throw .zstd("cannot load zstd dictionary \(id)")
        }
        pool.lock()
        defer { pool.unlock() }
        if let raced = ddicts[id] {
            ZSTD_freeDDict(made)
            return raced
        }
        ddicts[id] = made
        return made
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
