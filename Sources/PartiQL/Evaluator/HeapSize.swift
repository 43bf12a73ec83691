import Ion

/// What values take on the heap, as glibc's allocator and Swift's runtime lay
/// them out: the statement memory budget charges this for what a query holds.
/// `MemoryEstimateTests` checks it against the allocator's own statistics.
enum HeapSize {
    /// glibc hands out a request of `n` bytes as a chunk of n + 8 rounded up
    /// to 16, at least 32.
    @inline(__always)
    static func allocation(_ n: Int) -> Int { max(32, (n + 8 + 15) & ~15) }

    /// An array's buffer: a 32-byte header, then `capacity` elements.
    @inline(__always)
    static func array<T>(_ a: [T]) -> Int {
        a.capacity == 0 ? 0 : allocation(32 + a.capacity * MemoryLayout<T>.stride)
    }

    /// A string's buffer; up to 15 UTF-8 bytes live inside the string itself.
    @inline(__always)
    static func string(_ s: String) -> Int {
        let n = s.utf8.count
        return n <= 15 ? 0 : allocation(32 + n + 1)
    }

    static func int(_ i: IonInt) -> Int {
        if case .big(let b) = i { return allocation(32 + (b.bitWidth / 64 + 1) * 8) }
        return 0
    }

    static func decimal(_ d: IonDecimal) -> Int { int(d.coefficient) }
}

extension IonValue {
    /// Bytes this value takes in memory: its slot in its container plus
    /// everything it owns on the heap.
    var estimatedBytes: Int { MemoryLayout<IonValue>.stride + heapBytes }

    var heapBytes: Int {
        var bytes = HeapSize.array(annotations)
        for a in annotations { bytes += HeapSize.string(a.text ?? "") }
        switch content {
        case .string(let s): bytes += HeapSize.string(s)
        case .symbol(let s): bytes += HeapSize.string(s.text ?? "")
        case .blob(let b), .clob(let b): bytes += HeapSize.array(b)
        case .int(let i): bytes += HeapSize.int(i)
        case .decimal(let d): bytes += HeapSize.decimal(d)
        case .timestamp(let t): bytes += t.fraction.map(HeapSize.decimal) ?? 0
        case .list(let xs), .sexp(let xs):
            bytes += HeapSize.array(xs)
            for x in xs { bytes += x.heapBytes }
        case .struct(let fields):
            bytes += HeapSize.array(fields)
            for f in fields { bytes += HeapSize.string(f.name.text ?? "") + f.value.heapBytes }
        case .null, .bool, .float:
            break
        }
        return bytes
    }
}

extension Value {
    /// Bytes this value takes in memory: its slot in its container plus
    /// everything it owns on the heap.
    var estimatedBytes: Int { MemoryLayout<Value>.stride + heapBytes }

    /// An indirect enum keeps each case's payload in a box of its own (a
    /// 16-byte object header, then the payload).
    private static func box<Payload>(_: Payload.Type) -> Int { HeapSize.allocation(16 + MemoryLayout<Payload>.size) }

    var heapBytes: Int {
        switch self {
        case .missing: return 0
        case .null: return Self.box(IonType.self)
        case .bool: return Self.box(Bool.self)
        case .int(let i): return Self.box(IonInt.self) + HeapSize.int(i)
        case .float: return Self.box(Double.self)
        case .decimal(let d): return Self.box(IonDecimal.self) + HeapSize.decimal(d)
        case .timestamp(let t): return Self.box(IonTimestamp.self) + (t.fraction.map(HeapSize.decimal) ?? 0)
        case .symbol(let s), .string(let s): return Self.box(String.self) + HeapSize.string(s)
        case .clob(let b), .blob(let b): return Self.box([UInt8].self) + HeapSize.array(b)
        case .list(let xs), .sexp(let xs), .bag(let xs):
            return xs.reduce(Self.box([Value].self) + HeapSize.array(xs)) { $0 + $1.heapBytes }
        case .struct(let fields):
            return fields.reduce(Self.box([Field].self) + HeapSize.array(fields)) {
                $0 + HeapSize.string($1.name) + $1.value.heapBytes
            }
        case .annotated(let names, let v):
            return names.reduce(Self.box(([String], Value).self) + HeapSize.array(names) + v.heapBytes) {
                $0 + HeapSize.string($1)
            }
        }
    }
}
