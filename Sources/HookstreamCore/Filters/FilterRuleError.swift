import JSONValue

/// Why a filter rule (or a `filter_rules` array) was rejected, worded for a 400 response.
///
/// ```swift
/// do { _ = try FilterRuleSet(json: body["filter_rules"]) }
/// catch { return .badRequest(error.description) }   // "filter_rules[1]: unknown operator …"
/// ```
public struct FilterRuleError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The position of the offending rule in `filter_rules`, when it came from an array.
    public var ruleIndex: Int?
    public var reason: Reason

    public init(ruleIndex: Int? = nil, reason: Reason) {
        self.ruleIndex = ruleIndex
        self.reason = reason
    }

    public enum Reason: Error, Hashable, Sendable {
        /// `filter_rules` was not an array (nor null).
        case rulesNotArray(found: String)
        /// A rule was not a JSON object.
        case ruleNotObject(found: String)
        case missingField
        case fieldNotString(found: String)
        case emptyField
        case invalidPath(String, String)
        case missingOperator
        case operatorNotString(found: String)
        case unknownOperator(String)
        /// Both `op` and `operator` were given, with different values.
        case conflictingOperators(op: String, operator: String)
        case missingValue(FilterOperator)
        case valueNotNumber(FilterOperator, found: String)
        case valueNotString(FilterOperator, found: String)
        case valueNotBoolean(found: String)
        case valueNotArray(found: String)
    }

    public var description: String {
        let prefix = ruleIndex.map { "filter_rules[\($0)]: " } ?? ""
        return prefix + reason.message
    }
}

extension FilterRuleError.Reason {
    /// The reason alone, without the rule position.
    public var message: String {
        switch self {
        case .rulesNotArray(let found):
            "filter_rules must be an array of {field, op, value} objects, not \(found)"
        case .ruleNotObject(let found):
            "a filter rule must be an object with field, op and value, not \(found)"
        case .missingField:
            "\"field\" is required"
        case .fieldNotString(let found):
            "\"field\" must be a string, not \(found)"
        case .emptyField:
            "\"field\" must not be empty"
        case .invalidPath(let field, let why):
            "invalid field path \"\(field)\": \(why)"
        case .missingOperator:
            "\"op\" is required (one of \(FilterOperator.spelledOut))"
        case .operatorNotString(let found):
            "\"op\" must be a string, not \(found)"
        case .unknownOperator(let name):
            "unknown operator \"\(name)\" (expected one of \(FilterOperator.spelledOut))"
        case .conflictingOperators(let op, let other):
            "\"op\" (\"\(op)\") and \"operator\" (\"\(other)\") disagree; give one of them"
        case .missingValue(let op):
            "operator \"\(op.rawValue)\" requires a \"value\""
        case .valueNotNumber(let op, let found):
            "operator \"\(op.rawValue)\" compares numbers; \"value\" must be a number, not \(found)"
        case .valueNotString(let op, let found):
            "operator \"\(op.rawValue)\" matches substrings; \"value\" must be a string, not \(found)"
        case .valueNotBoolean(let found):
            "operator \"exists\" takes true (present) or false (absent); \"value\" must be a boolean, not \(found)"
        case .valueNotArray(let found):
            "operator \"in\" takes an array of allowed values; \"value\" must be an array, not \(found)"
        }
    }
}

extension JSON {
    /// "a string", "an array", … for error messages.
    var articledTypeName: String {
        switch self {
        case .array, .object: "an \(typeName)"
        case .null: "null"
        default: "a \(typeName)"
        }
    }
}
