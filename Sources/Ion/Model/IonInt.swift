import BigInt

/// An arbitrary-precision Ion int. Values that fit in `Int64` are kept
/// unboxed; `normalized` keeps that the only representation of them, so two
/// equal ints always compare equal with `==`.
public enum IonInt: Hashable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    case small(Int64)
    /// Boxed, so that an `IonInt` (and every decimal and value holding one) stays small.
    indirect case big(BigInt)

    public init(integerLiteral value: Int64) { self = .small(value) }

    public init(_ value: Int) { self = .small(Int64(value)) }

    public init(_ value: BigInt) {
        if let small = Int64(exactly: value) {
            self = .small(small)
        } else {
            self = .big(value)
        }
    }

    public var bigInt: BigInt {
        switch self {
        case .small(let v): return BigInt(v)
        case .big(let v): return v
        }
    }

    public var isZero: Bool {
        switch self {
        case .small(let v): return v == 0
        case .big(let v): return v.isZero
        }
    }

    public var isNegative: Bool {
        switch self {
        case .small(let v): return v < 0
        case .big(let v): return v.sign == .minus && !v.isZero
        }
    }

    /// The magnitude as big-endian bytes with no leading zero bytes (empty for 0).
    public var magnitudeBytes: [UInt8] {
        switch self {
        case .small(let v):
            var m = v.magnitude
            var out: [UInt8] = []
            while m != 0 {
                out.append(UInt8(truncatingIfNeeded: m))
                m >>= 8
            }
            return out.reversed()
        case .big(let v):
            let data = v.magnitude.serialize()
            var bytes = [UInt8](data)
            while let first = bytes.first, first == 0 { bytes.removeFirst() }
            return bytes
        }
    }

    /// Builds an int from a sign and big-endian magnitude bytes.
    public init(negative: Bool, magnitude bytes: ArraySlice<UInt8>) {
        if bytes.count <= 8 {
            var m: UInt64 = 0
            for b in bytes { m = (m << 8) | UInt64(b) }
            if !negative, m <= UInt64(Int64.max) {
                self = .small(Int64(m))
                return
            }
            if negative, m <= UInt64(Int64.max) + 1 {
                self = .small(m == UInt64(Int64.max) + 1 ? Int64.min : -Int64(m))
                return
            }
        }
        let magnitude = BigUInt(Data(bytes))
        self.init(negative ? -BigInt(magnitude) : BigInt(magnitude))
    }

    public var description: String {
        switch self {
        case .small(let v): return String(v)
        case .big(let v): return v.description
        }
    }
}

import struct Foundation.Data
