/// Entry points of the Ion codec.
public enum Ion {
    /// The binary version marker that starts every Ion 1.0 binary stream.
    public static let binaryVersionMarker: [UInt8] = [0xE0, 0x01, 0x00, 0xEA]

    public static func isBinary<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        bytes.starts(with: binaryVersionMarker)
    }

    /// Reads every top-level user value of a text or binary stream (binary is
    /// recognised by its version marker). System values (version markers,
    /// local symbol tables) are applied, not returned.
    public static func read(_ bytes: [UInt8], options: IonReadOptions = IonReadOptions()) throws -> [IonValue] {
        if isBinary(bytes) {
            return try IonBinaryReader(bytes, options: options).readAll()
        }
        return try IonTextReader(bytes, options: options).readAll()
    }

    public static func read(_ text: String, options: IonReadOptions = IonReadOptions()) throws -> [IonValue] {
        try IonTextReader(Array(text.utf8), options: options).readAll()
    }

    /// Ion text; `pretty` puts each container element on its own indented line.
    public static func writeText(_ values: [IonValue], pretty: Bool = false) -> String {
        var writer = IonTextWriter(pretty: pretty)
        for value in values { writer.write(value) }
        return writer.output
    }

    /// A complete binary stream: version marker, a local symbol table when
    /// the values use symbols beyond the system table, then the values.
    public static func writeBinary(_ values: [IonValue]) -> [UInt8] {
        IonBinaryWriter.write(values)
    }
}
