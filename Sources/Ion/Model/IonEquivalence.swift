/// Equality under the Ion data model: types, annotations and precision
/// matter (`1.0` ≠ `1.00`, `0e0` ≠ `-0e0`, timestamps of different precision
/// or offset differ), struct fields are an unordered multiset, every NaN
/// equals every NaN, and two symbols of unknown text are equal.
extension IonValue {
    public func isEquivalent(to other: IonValue) -> Bool {
        guard annotations.count == other.annotations.count else { return false }
        for (a, b) in zip(annotations, other.annotations) where !a.isEquivalent(to: b) { return false }
        return content.isEquivalent(to: other.content)
    }
}

extension IonSymbol {
    public func isEquivalent(to other: IonSymbol) -> Bool {
        text == other.text
    }
}

extension IonDecimal {
    public func isEquivalent(to other: IonDecimal) -> Bool {
        coefficient == other.coefficient && exponent == other.exponent && isNegativeZero == other.isNegativeZero
    }
}

extension IonTimestamp {
    /// The fraction that counts: a zero fraction with a non-negative exponent adds nothing.
    var significantFraction: IonDecimal? {
        guard precision == .second, let fraction else { return nil }
        if fraction.exponent >= 0 && fraction.coefficient.isZero { return nil }
        return fraction
    }

    public func isEquivalent(to other: IonTimestamp) -> Bool {
        guard precision == other.precision, offsetMinutes == other.offsetMinutes else { return false }
        guard year == other.year else { return false }
        if precision >= .month && month != other.month { return false }
        if precision >= .day && day != other.day { return false }
        if precision >= .minute && (hour != other.hour || minute != other.minute) { return false }
        if precision >= .second && second != other.second { return false }
        switch (significantFraction, other.significantFraction) {
        case (nil, nil): return true
        case (let a?, let b?): return a.isEquivalent(to: b)
        default: return false
        }
    }
}

extension IonContent {
    public func isEquivalent(to other: IonContent) -> Bool {
        switch (self, other) {
        case (.null(let a), .null(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.float(let a), .float(let b)):
            if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
            return a.bitPattern == b.bitPattern
        case (.decimal(let a), .decimal(let b)): return a.isEquivalent(to: b)
        case (.timestamp(let a), .timestamp(let b)): return a.isEquivalent(to: b)
        case (.symbol(let a), .symbol(let b)): return a.isEquivalent(to: b)
        case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.clob(let a), .clob(let b)): return a == b
        case (.blob(let a), .blob(let b)): return a == b
        case (.list(let a), .list(let b)), (.sexp(let a), .sexp(let b)):
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) where !x.isEquivalent(to: y) { return false }
            return true
        case (.struct(let a), .struct(let b)):
            return IonContent.fieldsEquivalent(a, b)
        default:
            return false
        }
    }

    /// Multiset equality of fields: every field of `a` matched to a distinct
    /// equivalent field of `b`.
    private static func fieldsEquivalent(_ a: [IonField], _ b: [IonField]) -> Bool {
        guard a.count == b.count else { return false }
        var unmatched = Array(b.indices)
        for field in a {
            guard let at = unmatched.firstIndex(where: { index in
                b[index].name.isEquivalent(to: field.name) && b[index].value.isEquivalent(to: field.value)
            }) else { return false }
            unmatched.remove(at: at)
        }
        return true
    }
}
