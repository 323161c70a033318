public import JSONValue

/// The `filter_rules` of a connection or topic subscription: all rules must match (AND), and
/// an empty set matches every event.
///
/// ```swift
/// let rules = try FilterRuleSet(json: request["filter_rules"])   // nil / null → no rules
/// if rules.matches(input) { … route the event … }
/// ```
public struct FilterRuleSet: Hashable, Sendable {
    public let rules: [FilterRule]

    /// A set that matches everything.
    public static let matchAll = FilterRuleSet(rules: [])

    public init(rules: [FilterRule]) {
        self.rules = rules
    }

    /// Decodes `filter_rules` as the API receives it: an array of rule objects, or absent /
    /// `null` for no rules.
    ///
    /// - Throws: ``FilterRuleError`` carrying the index of the first bad rule.
    public init(json: JSON?) throws(FilterRuleError) {
        switch json {
        case nil, .null?:
            self.rules = []
        case .array(let elements)?:
            var rules: [FilterRule] = []
            rules.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                do {
                    rules.append(try FilterRule(json: element))
                } catch {
                    throw FilterRuleError(ruleIndex: index, reason: error.reason)
                }
            }
            self.rules = rules
        case let other?:
            throw FilterRuleError(reason: .rulesNotArray(found: other.articledTypeName))
        }
    }

    /// The canonical API form: an array of `{field, op, value}`.
    public var json: JSON { .array(rules.map(\.json)) }

    /// Whether every rule matches (true for an empty set).
    public func matches(_ input: FilterInput) -> Bool {
        rules.allSatisfy { $0.matches(input) }
    }
}

extension FilterRuleSet: Codable {
    public init(from decoder: any Decoder) throws {
        self = try decodeValidated(from: decoder) { json throws(FilterRuleError) in try FilterRuleSet(json: json) }
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
