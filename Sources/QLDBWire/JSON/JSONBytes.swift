import Ion

/// A JSON object written member by member straight into UTF-8 bytes, for
/// responses whose shape is fixed (no `JSONValue` tree). Member names are
/// the caller's constants (`StaticString`, ASCII with nothing to escape: copied
/// as they are); string values are escaped as `JSONValue` does.
struct JSONBytes {
    private(set) var bytes: [UInt8] = []
    /// Per open object, innermost in the lowest bit: whether it has a member yet (a bit
    /// each: a response nests three deep, and an array here cost an allocation a response).
    private var started: UInt64 = 0
    private var depth = 0

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
        depth = 1
    }

    /// Opens the member `key` holding an object; `close()` ends it.
    mutating func openObject(_ key: StaticString) {
        name(key)
        bytes.append(UInt8(ascii: "{"))
        precondition(depth < UInt64.bitWidth, "JSON objects nested too deep")
        started <<= 1
        depth += 1
    }

    /// Closes the innermost open object (the outermost too, last).
    mutating func close() {
        precondition(depth > 0, "no object open")
        started >>= 1
        depth -= 1
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func member(_ key: StaticString, string value: String) {
        name(key)
        JSONValue.writeString(value, to: &bytes)
    }

    mutating func member(_ key: StaticString, number value: Int64) {
        name(key)
        appendDecimal(value)
    }

    mutating func member(_ key: StaticString, base64 value: [UInt8]) {
        name(key)
        bytes.append(UInt8(ascii: "\""))
        Base64.append(value, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// `{"Values": [{"IonBinary": "<base64>"}, …], "NextPageToken": …}`.
    mutating func member(_ key: StaticString, page: ResultPage) {
        openObject(key)
        name("Values")
        bytes.append(UInt8(ascii: "["))
        for (i, value) in page.values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.appendLiteral(#"{"IonBinary":""#)
            Base64.append(value, to: &bytes)
            bytes.appendLiteral(#""}"#)
        }
        bytes.append(UInt8(ascii: "]"))
        if let token = page.nextPageToken { member("NextPageToken", string: token) }
        close()
    }

    private mutating func name(_ key: StaticString) {
        assert(key.isASCII && !key.withUTF8Buffer { $0.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C } },
               "a member name to escape")
        if started & 1 != 0 { bytes.append(UInt8(ascii: ",")) }
        started |= 1
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// `value` in decimal, without a `String` between.
    private mutating func appendDecimal(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var n = 0
            repeat {
                digits[n] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                n += 1
            } while magnitude != 0
            for i in stride(from: n - 1, through: 0, by: -1) { bytes.append(digits[i]) }
        }
    }
}
