/// The nine comparison operators a connection filter rule can use, spelled as the API spells them.
///
/// The spec (Filters & Transforms) defines them as:
/// - `eq` / `neq`: exact match of a string, number, boolean or null, and its inverse;
/// - `contains`: substring match, strings only;
/// - `gt` / `gte` / `lt` / `lte`: numeric comparisons;
/// - `exists`: `true` = present and not null, `false` = absent or null;
/// - `in`: the field's value is one of an array of allowed values.
public enum FilterOperator: String, CaseIterable, Codable, Hashable, Sendable {
    case eq
    case neq
    case contains
    case gt
    case gte
    case lt
    case lte
    case exists
    case `in`

    /// Whether the operator compares numbers (its rule value must be a number).
    public var isNumeric: Bool {
        switch self {
        case .gt, .gte, .lt, .lte: true
        case .eq, .neq, .contains, .exists, .in: false
        }
    }

    /// The operator names in the spec's order, for error messages.
    static let spelledOut = allCases.map(\.rawValue).joined(separator: ", ")
}
