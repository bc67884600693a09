import CZstd
import Foundation
import MailvaultCore

/// Reads an envelope stream: envelope RLPs back to back, the archive's import/export format,
/// optionally as one zstd stream (recognised by zstd's magic number).
///
/// Each envelope's list header says how long it is, so the reader never allocates more than
/// one envelope (capped at 10 MiB, go-ethereum's hard maximum) beyond what the input holds.
public final class EnvelopeStreamReader {
    /// zstd's frame magic number, little-endian 0xFD2FB528.
    static let zstdMagic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]
    /// The largest envelope RLP accepted: the 10 MiB hard size plus room for the RLP headers.
    static let maximumEnvelopeBytes = IngestPolicy.hardMaximumSize + 64

    private let handle: FileHandle
    private var decompressor: OpaquePointer?
    private var input: [UInt8] = []
    private var inputPosition = 0
    private var inputExhausted = false
    private var buffer: [UInt8] = []
    private var position = 0
    /// Offset of the next envelope in the (decompressed) stream.
    public private(set) var offset = 0
    /// Whether the stream is zstd-compressed.
    public private(set) var isCompressed = false
    /// Bytes read from the file so far (compressed bytes for a compressed stream).
    public private(set) var bytesRead = 0

    /// A reader over an open file; it reads from the current position and does not close it.
    public init(handle: FileHandle) throws(StoreError) {
        self.handle = handle
        try refillInput()
        if input.count >= 4, Array(input[0..<4]) == EnvelopeStreamReader.zstdMagic {
            guard let stream = ZSTD_createDStream() else { throw .zstd("cannot allocate a decompression stream") }
            ZSTD_initDStream(stream)
            decompressor = stream
            isCompressed = true
        }
    }

    deinit {
        if let decompressor { ZSTD_freeDStream(decompressor) }
    }

    /// The next envelope, or `nil` at the clean end of the stream.
    public func next() throws(StoreError) -> Envelope? {
        try fill(1)
        guard position < buffer.count else { return nil }
        let first = buffer[position]
        var total: Int
        switch first {
        case 0xC0...0xF7:
            total = 1 + Int(first - 0xC0)
        case 0xF8...0xFF:
            let lengthOfLength = Int(first - 0xF7)
            try fill(1 + lengthOfLength)
            guard buffer.count - position >= 1 + lengthOfLength else {
                throw .truncatedStream(offset: offset, missing: 1 + lengthOfLength - (buffer.count - position))
            }
            var length = 0
            for index in 1...lengthOfLength {
                length = length << 8 | Int(buffer[position + index])
                if length > EnvelopeStreamReader.maximumEnvelopeBytes {
                    throw .envelopeTooLarge(offset: offset, size: length)
                }
            }
            total = 1 + lengthOfLength + length
        default:
            // Not a list: let the decoder name the rule.
            total = 1
        }
        try fill(total)
        let available = buffer.count - position
        guard available >= total else { throw .truncatedStream(offset: offset, missing: total - available) }
        let bytes = Array(buffer[position..<(position + total)])
        let envelope: Envelope
        do {
            envelope = try Envelope(decoding: bytes)
        } catch {
            throw .invalidEnvelope(offset: offset, error)
        }
        position += total
        offset += total
        return envelope
    }

    /// Makes `count` bytes available after `position`, or as many as the stream still has.
    private func fill(_ count: Int) throws(StoreError) {
        if position > 0, position >= buffer.count / 2 {
            buffer.removeFirst(position)
            position = 0
        }
        while buffer.count - position < count {
            let inputLeft = inputPosition < input.count
            if let decompressor {
                if inputLeft || pendingOutput {
                    try decompress(decompressor)
                    continue
                }
                if inputExhausted {
                    if frameOpen {
                        throw .zstd("the compressed stream ends inside a frame (truncated file?)")
                    }
                    return
                }
            } else if inputLeft {
                buffer.append(contentsOf: input[inputPosition...])
                inputPosition = input.count
                continue
            } else if inputExhausted {
                return
            }
            try refillInput()
        }
    }

    /// zstd may hold more output for the input it has already taken.
    private var pendingOutput = false
    /// A zstd frame has started and not ended.
    private var frameOpen = false

    private func decompress(_ stream: OpaquePointer) throws(StoreError) {
        let chunk = ZSTD_DStreamOutSize()
        var out = [UInt8](repeating: 0, count: chunk)
        let (result, consumed, produced): (Int, Int, Int) = input.withUnsafeBytes { source in
            out.withUnsafeMutableBytes { target in
                var inBuffer = ZSTD_inBuffer(src: source.baseAddress?.advanced(by: inputPosition),
                                             size: source.count - inputPosition, pos: 0)
                var outBuffer = ZSTD_outBuffer(dst: target.baseAddress, size: target.count, pos: 0)
                let result = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
                return (result, inBuffer.pos, outBuffer.pos)
            }
        }
        if ZSTD_isError(result) != 0 {
            throw .zstd("the compressed stream is damaged (\(String(cString: ZSTD_getErrorName(result))))")
        }
        inputPosition += consumed
        buffer.append(contentsOf: out[0..<produced])
        pendingOutput = produced == chunk
        frameOpen = result != 0
    }

    private func refillInput() throws(StoreError) {
        let data: Data
        do {
            data = try handle.read(upToCount: 1 << 20) ?? Data()
        } catch {
            throw .io(operation: "read", path: "input", errno: EIO)
        }
        bytesRead += data.count
        input = [UInt8](data)
        inputPosition = 0
        if data.isEmpty { inputExhausted = true }
    }
}
