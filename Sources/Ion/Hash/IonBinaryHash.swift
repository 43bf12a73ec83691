extension Ion {
    /// The SHA-256 Ion Hash (QLDB's `H`) of every top-level user value of a
    /// binary stream, computed from its bytes (`IonHasher.hashes(ofBinary:)`,
    /// specialised here: called generically from another module it is slower).
    public static func sha256Hashes(ofBinary bytes: [UInt8],
                                    options: IonReadOptions = IonReadOptions()) throws(IonError) -> [[UInt8]] {
        try IonHasher(SHA256HashFunction()).hashes(ofBinary: bytes, options: options)
    }
}

extension IonHasher {
    /// The hash of every top-level user value of a binary Ion stream, computed
    /// from its bytes: no values are built (`BinaryDecoder+Hash`). Equal to
    /// `hash(_:)` of each value `Ion.read` returns; malformed input raises the
    /// same `IonError` as reading it.
    public func hashes(ofBinary bytes: [UInt8], options: IonReadOptions = IonReadOptions()) throws(IonError) -> [[UInt8]] {
        var digests: [[UInt8]] = []
        try walkBinary(bytes, options: options) { serialization in
            var digest: [UInt8] = []
            function.appendDigest(of: serialization, to: &digest)
            digests.append(digest)
        }
        return digests
    }

    /// `s(value)` of every top-level user value of a binary stream, the bytes
    /// `hashes(ofBinary:)` digests.
    public func serializations(ofBinary bytes: [UInt8], options: IonReadOptions = IonReadOptions()) throws(IonError) -> [[UInt8]] {
        var out: [[UInt8]] = []
        try walkBinary(bytes, options: options) { out.append(Array($0)) }
        return out
    }

    private func walkBinary(_ bytes: [UInt8], options: IonReadOptions,
                            _ each: (UnsafeRawBufferPointer) -> Void) throws(IonError) {
        let maxIntegerBytes = options.maxIntegerDigits == .max ? Int.max : options.maxIntegerDigits * 415 / 1000 + 1
        let result: Result<Void, IonError> = bytes.withUnsafeBufferPointer { buffer in
            var decoder = BinaryDecoder(buffer, maxDepth: options.maxDepth)
            decoder.maxIntegerBytes = maxIntegerBytes
            let serializer = IonHashSerializer(function: function)
            do throws(IonError) {
                try decoder.serializeStreamForHash(into: serializer, each)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }
}

extension BinaryDecoder {
    /// `readStream` serializing each user value for hashing instead of building it.
    mutating func serializeStreamForHash<F: IonHashFunction>(
        into s: IonHashSerializer<F>, _ each: (UnsafeRawBufferPointer) -> Void
    ) throws(IonError) {
        let end = try beginStream()
        while try nextUserValue(end: end) {
            s.out.truncate(to: 0)
            try serializeForHash(end: end, depth: 0, into: s)
            each(s.out.bytes())
        }
    }
}
