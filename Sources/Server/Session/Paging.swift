/// Splits a statement's result into pages of at most `maxValues` values and
/// about `maxBytes` bytes of Ion (a page always holds at least one value, so
/// one oversized value still makes progress).
public struct Pager: Sendable {
    public var maxValues: Int
    public var maxBytes: Int

    public init(maxValues: Int = 200, maxBytes: Int = 1_048_576) {
        self.maxValues = max(1, maxValues)
        self.maxBytes = max(1, maxBytes)
    }

    /// Always at least one page (possibly empty: `Values` must be present).
    public func paginate(_ values: [[UInt8]]) -> [[[UInt8]]] {
        var pages: [[[UInt8]]] = []
        var current: [[UInt8]] = []
        var bytes = 0
        for value in values {
            if !current.isEmpty && (current.count >= maxValues || bytes + value.count > maxBytes) {
                pages.append(current)
                current = []
                bytes = 0
            }
            current.append(value)
            bytes += value.count
        }
        if !current.isEmpty || pages.isEmpty { pages.append(current) }
        return pages
    }
}
