import Ion

/// A JSON object written member by member straight into UTF-8 bytes, for
/// responses whose shape is fixed (no `JSONValue` tree). Member names are
/// the caller's constants; string values are escaped as `JSONValue` does.
struct JSONBytes {
    private(set) var bytes: [UInt8] = []
    /// Per open object: whether it has a member yet.
    private var started: [Bool] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
        started.append(false)
    }

    /// Opens the member `key` holding an object; `close()` ends it.
    mutating func openObject(_ key: String) {
        name(key)
        bytes.append(UInt8(ascii: "{"))
        started.append(false)
    }

    /// Closes the innermost open object (the outermost too, last).
    mutating func close() {
        started.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func member(_ key: String, string value: String) {
        name(key)
        JSONValue.writeString(value, to: &bytes)
    }

    mutating func member(_ key: String, number value: Int64) {
        name(key)
        bytes += String(value).utf8
    }

    mutating func member(_ key: String, base64 value: [UInt8]) {
        name(key)
        bytes.append(UInt8(ascii: "\""))
        bytes += Base64.encode(value).utf8
        bytes.append(UInt8(ascii: "\""))
    }

    /// `{"Values": [{"IonBinary": "<base64>"}, …], "NextPageToken": …}`.
    mutating func member(_ key: String, page: ResultPage) {
        openObject(key)
        name("Values")
        bytes.append(UInt8(ascii: "["))
        for (i, value) in page.values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes += #"{"IonBinary":""#.utf8
            bytes += Base64.encode(value).utf8
            bytes += #""}"#.utf8
        }
        bytes.append(UInt8(ascii: "]"))
        if let token = page.nextPageToken { member("NextPageToken", string: token) }
        close()
    }

    private mutating func name(_ key: String) {
        if started[started.count - 1] { bytes.append(UInt8(ascii: ",")) }
        started[started.count - 1] = true
        JSONValue.writeString(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }
}
