import JSONValue

extension FilterRule {
    /// Whether the request satisfies this rule.
    ///
    /// Semantics, where the spec leaves room:
    /// - A missing path (or a body that is not JSON) satisfies only `neq` (the spec's "inverse
    ///   of eq") and `exists: false`; every other operator is false on it.
    /// - A body value that is JSON `null` is present for `eq`/`neq`/`in` (so `eq null` matches
    ///   it) but counts as absent for `exists`, as the spec defines.
    /// - `eq`, `neq` and `in` use JSON equality: numbers by value (`1` equals `1.0`), strings
    ///   exactly (case-sensitive), objects regardless of member order. A body string `"5"` does
    ///   not equal the number `5`.
    /// - `contains` is a case-sensitive substring test on strings only; arrays, numbers and
    ///   objects never contain anything (the spec says "string only").
    /// - `gt`/`gte`/`lt`/`lte` are true only when the field holds a number.
    /// - Header, query, method, content type and source IP values are text on the wire, so for
    ///   them a numeric rule value compares numerically when the text is a plain decimal number
    ///   (`headers.x-attempt gt 2` works on `X-Attempt: 3`).
    public func matches(_ input: FilterInput) -> Bool {
        let found = input.value(at: path)
        // One small function per operator: besides reading well, this keeps the optimizer away
        // from a Swift 6.3 release-mode crash (CopyPropagation "ownership error") that the
        // single large switch over borrowed `FilterFieldValue`s triggered.
        switch op {
        case .exists: return Self.isPresent(found) == (value.boolValue ?? true)
        case .eq: return Self.equal(found, value)
        case .neq: return !Self.equal(found, value)
        case .in: return Self.isOneOf(found, value)
        case .contains: return Self.contains(found, value)
        case .gt, .gte, .lt, .lte: return Self.compare(found, op, value)
        }
    }

    @inline(never)
    private static func isPresent(_ found: FilterFieldValue?) -> Bool {
        switch found {
        case nil, .json(.null)?: false
        case .json?, .text?: true
        }
    }

    @inline(never)
    private static func equal(_ found: FilterFieldValue?, _ expected: JSON) -> Bool {
        guard let found else { return false }
        return equal(found, expected)
    }

    @inline(never)
    private static func isOneOf(_ found: FilterFieldValue?, _ expected: JSON) -> Bool {
        guard let found, case .array(let allowed) = expected else { return false }
        return allowed.contains { equal(found, $0) }
    }

    @inline(never)
    private static func contains(_ found: FilterFieldValue?, _ expected: JSON) -> Bool {
        guard case .string(let needle) = expected, let haystack = found?.string else { return false }
        return needle.isEmpty || haystack.contains(needle)
    }

    @inline(never)
    private static func compare(_ found: FilterFieldValue?, _ op: FilterOperator, _ expected: JSON) -> Bool {
        guard case .number(let bound) = expected, let number = found?.number else { return false }
        switch op {
        case .gt: return number > bound
        case .gte: return number >= bound
        case .lt: return number < bound
        default: return number <= bound
        }
    }

    private static func equal(_ found: FilterFieldValue, _ expected: JSON) -> Bool {
        switch found {
        case .json(let json):
            return json == expected
        case .text(let text):
            switch expected {
            case .string(let string): return text == string
            case .number(let number): return FilterFieldValue.decimal(text) == number
            default: return false
            }
        }
    }
}

extension FilterFieldValue {
    fileprivate var string: String? {
        switch self {
        case .json(.string(let s)), .text(let s): s
        case .json: nil
        }
    }

    fileprivate var number: Double? {
        switch self {
        case .json(.number(let n)): n
        case .json: nil
        case .text(let text): Self.decimal(text)
        }
    }

    /// Reads `text` as a JSON-style decimal number (`-12`, `3.5`, `1e3`), refusing what
    /// `Double(_:)` would also accept but nobody means as a number: `inf`, `nan`, hex, blanks.
    fileprivate static func decimal(_ text: String) -> Double? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) || "+-.eE".utf8.contains($0) }),
            text.utf8.contains(where: { (0x30...0x39).contains($0) }),
            let value = Double(text), value.isFinite
        else { return nil }
        return value
    }
}
