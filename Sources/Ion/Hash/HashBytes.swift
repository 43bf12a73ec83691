/// Where Ion Hash representations are written: an array (tests, callers that
/// want the bytes) or the serializer's own `ByteStack`.
protocol HashBytes {
    var count: Int { get }
    mutating func append(_ byte: UInt8)
    mutating func appendBytes(_ bytes: UnsafeRawBufferPointer)
    /// Sets bits in a byte already written (a sign bit).
    mutating func setBits(_ bits: UInt8, at index: Int)
    /// The low `count` (1–8) bytes of `value`, most significant first.
    mutating func appendBigEndian(_ value: UInt64, count: Int)
}

extension Array: HashBytes where Element == UInt8 {
    mutating func appendBytes(_ bytes: UnsafeRawBufferPointer) { append(contentsOf: bytes) }
    mutating func setBits(_ bits: UInt8, at index: Int) { self[index] |= bits }
    mutating func appendBigEndian(_ value: UInt64, count: Int) {
        for k in stride(from: count - 1, through: 0, by: -1) { append(UInt8(truncatingIfNeeded: value >> UInt64(8 * k))) }
    }
}

extension ByteStack: HashBytes {}

extension ByteStack {
    /// Writes into a stack its owner keeps alive (the serializer's own), for
    /// the representations' `inout` writers: a `var` holding the stack itself
    /// would retain and release it around every scalar.
    struct Writer: HashBytes {
        private let stack: Unmanaged<ByteStack>

        init(_ stack: ByteStack) { self.stack = .passUnretained(stack) }

        var count: Int { stack._withUnsafeGuaranteedRef { $0.count } }
        @inline(__always)
        func append(_ byte: UInt8) { stack._withUnsafeGuaranteedRef { $0.append(byte) } }
        func appendBytes(_ bytes: UnsafeRawBufferPointer) { stack._withUnsafeGuaranteedRef { $0.appendBytes(bytes) } }
        func setBits(_ bits: UInt8, at index: Int) { stack._withUnsafeGuaranteedRef { $0.setBits(bits, at: index) } }
        @inline(__always)
        func appendBigEndian(_ value: UInt64, count: Int) { stack._withUnsafeGuaranteedRef { $0.appendBigEndian(value, count: count) } }
    }
}
