import CZstd
import Foundation
import MailvaultCore

/// Writes an envelope stream (envelope RLPs back to back), optionally as one zstd stream:
/// what `EnvelopeStreamReader` reads, so an export imports back unchanged.
public final class EnvelopeStreamWriter {
    private let handle: FileHandle
    private var compressor: OpaquePointer?
    private var pending: [UInt8] = []
    /// Bytes written to the file so far.
    public private(set) var bytesWritten = 0

    /// A writer to an open file; `compressionLevel` nil writes the stream raw.
    public init(handle: FileHandle, compressionLevel: Int32?) throws(StoreError) {
        self.handle = handle
        if let compressionLevel {
            guard let stream = ZSTD_createCCtx() else { throw .zstd("cannot allocate a compression stream") }
            ZSTD_CCtx_setParameter(stream, ZSTD_c_compressionLevel, compressionLevel)
            ZSTD_CCtx_setParameter(stream, ZSTD_c_checksumFlag, 1)
            compressor = stream
        }
    }

    deinit {
        if let compressor { ZSTD_freeCCtx(compressor) }
    }

    /// Appends one envelope.
    public func write(_ envelope: Envelope) throws(StoreError) {
        pending.append(contentsOf: envelope.encoded)
        if pending.count >= 1 << 20 { try flush(end: false) }
    }

    /// Writes what is buffered and ends the zstd stream; call once, at the end.
    public func finish() throws(StoreError) {
        try flush(end: true)
    }

    private func flush(end: Bool) throws(StoreError) {
        guard let compressor else {
            try emit(pending)
            pending = []
            return
        }
        var output: [UInt8] = []
        var consumedTotal = 0
        var finished = false
        let chunk = ZSTD_CStreamOutSize()
        while !finished {
            var out = [UInt8](repeating: 0, count: chunk)
            let (result, consumed, produced): (Int, Int, Int) = pending.withUnsafeBytes { source in
                out.withUnsafeMutableBytes { target in
                    var inBuffer = ZSTD_inBuffer(src: source.baseAddress?.advanced(by: consumedTotal),
                                                 size: source.count - consumedTotal, pos: 0)
                    var outBuffer = ZSTD_outBuffer(dst: target.baseAddress, size: target.count, pos: 0)
                    let result = ZSTD_compressStream2(compressor, &outBuffer, &inBuffer, end ? ZSTD_e_end : ZSTD_e_continue)
                    return (result, inBuffer.pos, outBuffer.pos)
                }
            }
            if ZSTD_isError(result) != 0 { throw .zstd(String(cString: ZSTD_getErrorName(result))) }
            consumedTotal += consumed
            output.append(contentsOf: out[0..<produced])
            finished = end ? result == 0 : consumedTotal == pending.count
        }
        pending = []
        try emit(output)
    }

    private func emit(_ bytes: [UInt8]) throws(StoreError) {
        guard !bytes.isEmpty else { return }
        do {
            try handle.write(contentsOf: Data(bytes))
        } catch {
            throw .io(operation: "write", path: "output", errno: EIO)
        }
        bytesWritten += bytes.count
    }
}
