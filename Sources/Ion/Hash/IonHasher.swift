/// The hash function Ion Hash is parameterised with. Struct fields are each
/// digested with it separately before the struct's own bytes are formed.
public protocol IonHashFunction {
    func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8]
}

public struct SHA256HashFunction: IonHashFunction {
    public init() {}
    public func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] { SHA256.hash(bytes) }
}

/// Returns its input: its digest of a value is the exact byte string Ion
/// Hash serializes for it, which is what the upstream test vectors check.
public struct IdentityHashFunction: IonHashFunction {
    public init() {}
    public func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] { Array(bytes) }
}

/// Ion Hash (amazon-ion/ion-hash `docs/spec.md`, markers 0x0B/0x0E/0x0C).
public struct IonHasher<Function: IonHashFunction> {
    public let function: Function

    public init(_ function: Function) {
        self.function = function
    }

    public func hash(_ value: IonValue) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        serialize(value, into: &bytes)
        return bytes.withUnsafeBytes { function.digest($0) }
    }

    /// Appends `s(value)`, the serialization that is digested.
    public func serialize(_ value: IonValue, into out: inout [UInt8]) {
        if value.annotations.isEmpty {
            serializeContent(value.content, into: &out)
            return
        }
        out.append(0x0B)
        out.append(0xE0)
        for annotation in value.annotations {
            serializeSymbol(annotation, into: &out)
        }
        serializeContent(value.content, into: &out)
        out.append(0x0E)
    }

    private func serializeSymbol(_ symbol: IonSymbol, into out: inout [UInt8]) {
        guard let text = symbol.text else {
            out.append(contentsOf: [0x0B, 0x71, 0x0E])
            return
        }
        out.append(0x0B)
        out.append(0x70)
        appendEscaped(text.utf8, to: &out)
        out.append(0x0E)
    }

    private func serializeContent(_ content: IonContent, into out: inout [UInt8]) {
        switch content {
        case .null(let type):
            scalar(type == .null ? 0x0F : type.rawValue << 4 | 0x0F, into: &out) { _ in }
        case .bool(let b):
            scalar(b ? 0x11 : 0x10, into: &out) { _ in }
        case .int(let i):
            scalar(i.isNegative ? 0x30 : 0x20, into: &out) { $0.append(contentsOf: i.magnitudeBytes) }
        case .float(let d):
            scalar(0x40, into: &out) { HashRepresentation.float(d, to: &$0) }
        case .decimal(let d):
            scalar(0x50, into: &out) { HashRepresentation.decimal(d, to: &$0) }
        case .timestamp(let t):
            scalar(0x60, into: &out) { HashRepresentation.timestamp(t, to: &$0) }
        case .symbol(let s):
            serializeSymbol(s, into: &out)
        case .string(let s):
            out.append(0x0B)
            out.append(0x80)
            appendEscaped(s.utf8, to: &out)
            out.append(0x0E)
        case .clob(let bytes):
            out.append(0x0B)
            out.append(0x90)
            appendEscaped(bytes, to: &out)
            out.append(0x0E)
        case .blob(let bytes):
            out.append(0x0B)
            out.append(0xA0)
            appendEscaped(bytes, to: &out)
            out.append(0x0E)
        case .list(let items), .sexp(let items):
            out.append(0x0B)
            out.append(content.type == .list ? 0xB0 : 0xC0)
            for item in items { serialize(item, into: &out) }
            out.append(0x0E)
        case .struct(let fields):
            out.append(0x0B)
            out.append(0xD0)
            var digests: [[UInt8]] = []
            digests.reserveCapacity(fields.count)
            var scratch: [UInt8] = []
            for field in fields {
                scratch.removeAll(keepingCapacity: true)
                serializeSymbol(field.name, into: &scratch)
                serialize(field.value, into: &scratch)
                digests.append(scratch.withUnsafeBytes { function.digest($0) })
            }
            digests.sort { $0.lexicographicallyPrecedes($1) }
            for digest in digests { appendEscaped(digest, to: &out) }
            out.append(0x0E)
        }
    }

    /// `0x0B TQ escape(repr) 0x0E` for a scalar whose repr `body` appends.
    private func scalar(_ tq: UInt8, into out: inout [UInt8], body: (inout [UInt8]) -> Void) {
        var repr: [UInt8] = []
        body(&repr)
        out.append(0x0B)
        out.append(tq)
        appendEscaped(repr, to: &out)
        out.append(0x0E)
    }

    private func appendEscaped<S: Sequence>(_ bytes: S, to out: inout [UInt8]) where S.Element == UInt8 {
        for b in bytes {
            if b == 0x0B || b == 0x0E || b == 0x0C { out.append(0x0C) }
            out.append(b)
        }
    }
}

extension IonValue {
    /// The SHA-256 Ion Hash of this value (QLDB's `H`).
    public var ionHash: [UInt8] {
        IonHasher(SHA256HashFunction()).hash(self)
    }
}
