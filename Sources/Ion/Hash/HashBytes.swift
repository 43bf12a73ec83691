/// Where Ion Hash representations are written: an array (tests, callers that
/// want the bytes) or the serializer's own `ByteStack`.
protocol HashBytes {
    var count: Int { get }
    mutating func append(_ byte: UInt8)
    mutating func appendBytes(_ bytes: UnsafeRawBufferPointer)
    /// Sets bits in a byte already written (a sign bit).
    mutating func setBits(_ bits: UInt8, at index: Int)
}

extension Array: HashBytes where Element == UInt8 {
    mutating func appendBytes(_ bytes: UnsafeRawBufferPointer) { append(contentsOf: bytes) }
    mutating func setBits(_ bits: UInt8, at index: Int) { self[index] |= bits }
}

extension ByteStack: HashBytes {}
