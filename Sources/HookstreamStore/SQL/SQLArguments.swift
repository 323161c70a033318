/// The values bound to a statement's `?` placeholders, in order.
///
/// Shared SQL always uses `?`; a backend with numbered parameters rewrites the text, not the
/// arguments. An array literal of mixed types converts each element once, here, so a backend
/// binds from plain `SQLValue`s.
struct SQLArguments: Sendable, ExpressibleByArrayLiteral {
    private(set) var values: [SQLValue]

    init(arrayLiteral elements: (any SQLValueConvertible)?...) {
        values = elements.map { $0?.sqlValue ?? .null }
    }

    init(_ elements: some Sequence<some SQLValueConvertible>) {
        values = elements.map { $0.sqlValue }
    }

    static func += (lhs: inout SQLArguments, rhs: SQLArguments) {
        lhs.values += rhs.values
    }

    static func + (lhs: SQLArguments, rhs: SQLArguments) -> SQLArguments {
        var sum = lhs
        sum += rhs
        return sum
    }
}
