import COpenSSL

/// The hash function Ion Hash is parameterised with. Struct fields are each
/// digested with it separately before the struct's own bytes are formed.
public protocol IonHashFunction {
    /// Appends the digest of `bytes` to `out`.
    func appendDigest(of bytes: UnsafeRawBufferPointer, to out: inout [UInt8])
}

extension IonHashFunction {
    public func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        appendDigest(of: bytes, to: &out)
        return out
    }
}

public struct SHA256HashFunction: IonHashFunction {
    public init() {}

    public func appendDigest(of bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(byteCount: SHA256.byteCount, alignment: 8) { digest in
            tally_sha256(bytes.baseAddress, bytes.count, digest.baseAddress)
            out.append(contentsOf: UnsafeRawBufferPointer(digest))
        }
    }
}

/// Returns its input: its digest of a value is the exact byte string Ion
/// Hash serializes for it, which is what the upstream test vectors check.
public struct IdentityHashFunction: IonHashFunction {
    public init() {}

    public func appendDigest(of bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(contentsOf: bytes)
    }
}

/// Ion Hash (amazon-ion/ion-hash `docs/spec.md`, markers 0x0B/0x0E/0x0C).
public struct IonHasher<Function: IonHashFunction> {
    public let function: Function

    public init(_ function: Function) {
        self.function = function
    }

    public func hash(_ value: IonValue) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)   // within glibc's per-thread cache of small chunks; grows for larger values
        serialize(value, into: &bytes)
        var digest: [UInt8] = []
        bytes.withUnsafeBytes { function.appendDigest(of: $0, to: &digest) }
        return digest
    }

    /// Appends `s(value)`, the serialization that is digested.
    public func serialize(_ value: IonValue, into out: inout [UInt8]) {
        var serializer = IonHashSerializer(function: function)
        serializer.serialize(value, into: &out)
    }
}

extension IonValue {
    /// The SHA-256 Ion Hash of this value (QLDB's `H`).
    public var ionHash: [UInt8] {
        IonHasher(SHA256HashFunction()).hash(self)
    }
}
