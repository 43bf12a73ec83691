import CIonHash
import COpenSSL

/// How many readable bytes follow the inputs of `IonHashFunction.writeDigests(ofEach:)`.
public let ionHashReadAhead = Int(TALLY_SHA256_READ_AHEAD)

/// The hash function Ion Hash is parameterised with. Struct fields are each
/// digested with it separately before the struct's own bytes are formed.
public protocol IonHashFunction {
    /// Appends the digest of `bytes` to `out`.
    func appendDigest(of bytes: UnsafeRawBufferPointer, to out: inout [UInt8])
    /// The length of every digest, when it is fixed (then `writeDigest` is used).
    var digestLength: Int? { get }
    /// Writes the digest of `bytes`, `digestLength` bytes, at `out`.
    func writeDigest(of bytes: UnsafeRawBufferPointer, to out: UnsafeMutableRawPointer)
    /// The digests of inputs laid end to end in `bytes` (fixed-length functions
    /// only): input i runs from `starts[i]` to `starts[i + 1]`, the last to the
    /// end of `bytes`, and its digest goes to `out + i * digestLength`.
    /// `ionHashReadAhead` readable bytes follow `bytes`; they may be read and ignored.
    func writeDigests(ofEach bytes: UnsafeRawBufferPointer, startingAt starts: UnsafeBufferPointer<Int>,
                      to out: UnsafeMutableRawPointer)
}

extension IonHashFunction {
    public var digestLength: Int? { nil }

    public func writeDigests(ofEach bytes: UnsafeRawBufferPointer, startingAt starts: UnsafeBufferPointer<Int>,
                             to out: UnsafeMutableRawPointer) {
        writeDigestsOneByOne(ofEach: bytes, startingAt: starts, to: out)
    }

    /// `writeDigests(ofEach:)` as one `writeDigest` an input.
    func writeDigestsOneByOne(ofEach bytes: UnsafeRawBufferPointer, startingAt starts: UnsafeBufferPointer<Int>,
                              to out: UnsafeMutableRawPointer) {
        guard let length = digestLength else { preconditionFailure("digests of varying length are written one by one") }
        for i in starts.indices {
            let end = i + 1 < starts.count ? starts[i + 1] : bytes.count
            writeDigest(of: UnsafeRawBufferPointer(rebasing: bytes[starts[i]..<end]), to: out + i * length)
        }
    }

    public func writeDigest(of bytes: UnsafeRawBufferPointer, to out: UnsafeMutableRawPointer) {
        var digest: [UInt8] = []
        appendDigest(of: bytes, to: &digest)
        digest.withUnsafeBytes { if let base = $0.baseAddress { out.copyMemory(from: base, byteCount: $0.count) } }
    }

    public func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        appendDigest(of: bytes, to: &out)
        return out
    }
}

public struct SHA256HashFunction: IonHashFunction, Sendable {
    /// Whether a struct's field digests are taken two at a time on the
    /// processor's SHA extensions (`tally_sha256_each`), or one by one with OpenSSL.
    public let usesSHAExtensions: Bool

    public init() {
        usesSHAExtensions = SHA256.extensionsOnThisProcessor
    }

    /// OpenSSL alone, one digest at a time, whatever the processor has.
    public static let openSSLOnly = SHA256HashFunction(usesSHAExtensions: false)

    private init(usesSHAExtensions: Bool) {
        self.usesSHAExtensions = usesSHAExtensions
    }

    public var digestLength: Int? { SHA256.byteCount }

    public func writeDigests(ofEach bytes: UnsafeRawBufferPointer, startingAt starts: UnsafeBufferPointer<Int>,
                             to out: UnsafeMutableRawPointer) {
        guard usesSHAExtensions, let base = bytes.baseAddress, let first = starts.baseAddress else {
            writeDigestsOneByOne(ofEach: bytes, startingAt: starts, to: out)
            return
        }
        tally_sha256_each(base.assumingMemoryBound(to: UInt8.self), first, starts.count, bytes.count,
                          out.assumingMemoryBound(to: UInt8.self))
    }

    public func writeDigest(of bytes: UnsafeRawBufferPointer, to out: UnsafeMutableRawPointer) {
        tally_sha256(bytes.baseAddress, bytes.count, out.assumingMemoryBound(to: UInt8.self))
    }

    public func appendDigest(of bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(byteCount: SHA256.byteCount, alignment: 8) { digest in
            writeDigest(of: bytes, to: digest.baseAddress!)
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
        let serializer = IonHashSerializer(function: function)
        serializer.serialize(value)
        var digest: [UInt8] = []
        function.appendDigest(of: serializer.out.bytes(), to: &digest)
        return digest
    }

    /// Appends `s(value)`, the serialization that is digested.
    public func serialize(_ value: IonValue, into out: inout [UInt8]) {
        let serializer = IonHashSerializer(function: function)
        serializer.serialize(value)
        out.append(contentsOf: serializer.out.bytes())
    }
}

extension IonValue {
    /// The SHA-256 Ion Hash of this value (QLDB's `H`).
    public var ionHash: [UInt8] {
        IonHasher(SHA256HashFunction()).hash(self)
    }
}
