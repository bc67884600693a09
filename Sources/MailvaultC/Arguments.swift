import CMailvaultHeader

/// Checks of the raw arguments C passes in, each failing with the code the header promises
/// rather than trapping: NULL is `MV_ERR_NULL`, a length that cannot be right is
/// `MV_ERR_INVALID_ARGUMENT`.
enum Arguments {
    /// A byte buffer given as pointer and length. NULL is accepted for an empty buffer.
    static func bytes(_ pointer: UnsafePointer<UInt8>?, count: Int, _ name: String) throws(CAPIError)
        -> UnsafeBufferPointer<UInt8>
    {
        // size_t arrives as Int; a "negative" count is a size_t above Int.max, never a real length.
        guard count >= 0 else { throw .invalid("\(name) length \(UInt(bitPattern: count)) is too large") }
        guard count > 0 else { return UnsafeBufferPointer(start: nil, count: 0) }
        guard let pointer else { throw .null(name) }
        return UnsafeBufferPointer(start: pointer, count: count)
    }

    /// A buffer of `count` items of `itemSize` bytes (hashes, topics): pointer and item count.
    static func items(_ pointer: UnsafePointer<UInt8>?, count: Int, itemSize: Int, _ name: String) throws(CAPIError)
        -> UnsafeBufferPointer<UInt8>
    {
        guard count >= 0 else { throw .invalid("\(name) count \(UInt(bitPattern: count)) is too large") }
        let (total, overflow) = count.multipliedReportingOverflow(by: itemSize)
        guard !overflow else { throw .invalid("\(name) count \(count) is too large") }
        return try bytes(pointer, count: total, name)
    }

    /// A fixed-size input (a topic, a bloom, a hash) that must be present.
    static func fixed(_ pointer: UnsafePointer<UInt8>?, count: Int, _ name: String) throws(CAPIError)
        -> UnsafeBufferPointer<UInt8>
    {
        guard let pointer else { throw .null(name) }
        return UnsafeBufferPointer(start: pointer, count: count)
    }

    /// An optional sized input (a bloom or cursor in a struct): absent when NULL with length 0,
    /// otherwise exactly `expected` bytes.
    static func optional(_ pointer: UnsafePointer<UInt8>?, length: Int, expected: Int, _ name: String)
        throws(CAPIError) -> [UInt8]?
    {
        guard let pointer else {
            guard length == 0 else { throw .null("\(name) (with length \(length))") }
            return nil
        }
        guard length == expected else {
            throw .invalid("\(name) must be \(expected) bytes, got \(UInt(bitPattern: length))")
        }
        return Array(UnsafeBufferPointer(start: pointer, count: length))
    }

    /// A batch of byte strings: `pointers[i]` holds `lengths[i]` bytes.
    static func batch(_ pointers: UnsafePointer<UnsafePointer<UInt8>?>?, lengths: UnsafePointer<Int>?, count: Int,
                      _ name: String) throws(CAPIError) -> [UnsafeBufferPointer<UInt8>]
    {
        guard count >= 0 else { throw .invalid("\(name) count \(UInt(bitPattern: count)) is too large") }
        guard count > 0 else { return [] }
        guard let pointers else { throw .null(name) }
        guard let lengths else { throw .null("lengths") }
        var buffers: [UnsafeBufferPointer<UInt8>] = []
        buffers.reserveCapacity(count)
        for index in 0..<count {
            buffers.append(try bytes(pointers[index], count: lengths[index], "\(name)[\(index)]"))
        }
        return buffers
    }

    /// A required output pointer.
    static func output<T>(_ pointer: UnsafeMutablePointer<T>?, _ name: String) throws(CAPIError)
        -> UnsafeMutablePointer<T>
    {
        guard let pointer else { throw .null(name) }
        return pointer
    }

    /// The object behind a handle the library created.
    static func handle<T: AnyObject>(_ pointer: OpaquePointer?, as type: T.Type, _ name: String) throws(CAPIError) -> T {
        guard let pointer else { throw .null(name) }
        return Handles.object(pointer, as: type)
    }

    /// A struct with a leading `struct_size`: present, and at least as large as version 1.0 of it.
    static func sized<T>(_ pointer: UnsafePointer<T>?, size: UInt32, _ name: String) throws(CAPIError)
        -> UnsafePointer<T>
    {
        guard let pointer else { throw .null(name) }
        guard size >= MemoryLayout<T>.size else {
            throw .invalid("\(name).struct_size is \(size); initialise it with its _init function")
        }
        return pointer
    }
}

/// Handles are retained Swift objects whose address C holds as an opaque pointer.
enum Handles {
    /// A new handle owning one retain of `object`.
    static func make(_ object: AnyObject) -> OpaquePointer {
        OpaquePointer(Unmanaged.passRetained(object).toOpaque())
    }

    /// The object behind `pointer`, not consuming the handle's retain.
    static func object<T: AnyObject>(_ pointer: OpaquePointer, as type: T.Type) -> T {
        Unmanaged<T>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }

    /// Releases the handle's retain: the object goes when no running call holds it.
    static func release<T: AnyObject>(_ pointer: OpaquePointer, as type: T.Type) {
        Unmanaged<T>.fromOpaque(UnsafeRawPointer(pointer)).release()
    }
}

extension UnsafeMutableRawPointer {
    /// Copies `bytes` to this address.
    func copyBytes(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(self), byteCount: $0.count) }
    }
}

/// Copies `bytes` into a fixed-size C array field (imported as a tuple).
func copyBytes<Tuple>(_ bytes: [UInt8], into field: inout Tuple) {
    withUnsafeMutableBytes(of: &field) { target in
        let count = min(target.count, bytes.count)
        for index in 0..<count { target[index] = bytes[index] }
    }
}

/// The bytes of a fixed-size C array field (imported as a tuple).
func bytes<Tuple>(of field: Tuple) -> [UInt8] {
    withUnsafeBytes(of: field) { Array($0) }
}
