public import JSONValue

/// One content-based filter condition of a connection or topic subscription:
/// `{"field": "payload.type", "op": "eq", "value": "order.created"}`.
///
/// Rules are validated when they are built, so a rule that exists can always be evaluated;
/// everything the API accepts is also something ``matches(_:)`` gives a defined answer for.
///
/// ```swift
/// let rule = try FilterRule(json: ["field": "payload.amount", "op": "gt", "value": 1000])
/// rule.matches(FilterInput(body: ["amount": 1500]))   // true
/// ```
public struct FilterRule: Hashable, Sendable {
    /// The field path exactly as the user wrote it (answered back unchanged).
    public let field: String
    /// The parsed form of ``field``.
    public let path: FilterPath
    public let op: FilterOperator
    /// The operand, already checked against ``op``: a number for `gt`/`gte`/`lt`/`lte`, a string
    /// for `contains`, a boolean for `exists`, an array for `in`, any JSON value for `eq`/`neq`.
    public let value: JSON

    /// Builds a rule from its parts, checking the path and that `value` suits `op`.
    ///
    /// - Throws: ``FilterRuleError`` with no rule index.
    public init(field: String, op: FilterOperator, value: JSON) throws(FilterRuleError) {
        do throws(FilterRuleError.Reason) {
            self.path = try FilterPath(parsing: field)
            try Self.check(value: value, for: op)
        } catch {
            throw FilterRuleError(reason: error)
        }
        self.field = field
        self.op = op
        self.value = value
    }

    /// Decodes a rule object as the API receives it.
    ///
    /// The operator may be given as `op` or `operator` (the CLI docs use the latter); when both
    /// are present they must agree. Members other than `field`, `op`, `operator` and `value` are
    /// not looked at here: the API refuses them before decoding (an unknown field is a 400),
    /// and stored rules, written in the canonical form, have none.
    ///
    /// - Throws: ``FilterRuleError`` with no rule index.
    public init(json: JSON) throws(FilterRuleError) {
        let parts: (field: String, op: FilterOperator, value: JSON)
        do throws(FilterRuleError.Reason) {
            parts = try Self.parts(of: json)
        } catch {
            throw FilterRuleError(reason: error)
        }
        try self.init(field: parts.field, op: parts.op, value: parts.value)
    }

    /// The canonical API form, always with the key `op`.
    public var json: JSON {
        ["field": .string(field), "op": .string(op.rawValue), "value": value]
    }

    private static func parts(of json: JSON) throws(FilterRuleError.Reason) -> (String, FilterOperator, JSON) {
        guard case .object(let members) = json else { throw .ruleNotObject(found: json.articledTypeName) }

        guard let fieldValue = members["field"] else { throw .missingField }
        guard case .string(let field) = fieldValue else {
            throw .fieldNotString(found: fieldValue.articledTypeName)
        }

        let opName: String
        switch (members["op"], members["operator"]) {
        case (nil, nil):
            throw .missingOperator
        case (let single?, nil), (nil, let single?):
            guard case .string(let name) = single else { throw .operatorNotString(found: single.articledTypeName) }
            opName = name
        case (let a?, let b?):
            guard case .string(let nameA) = a else { throw .operatorNotString(found: a.articledTypeName) }
            guard case .string(let nameB) = b else { throw .operatorNotString(found: b.articledTypeName) }
            guard nameA == nameB else { throw .conflictingOperators(op: nameA, operator: nameB) }
            opName = nameA
        }
        guard let op = FilterOperator(rawValue: opName) else { throw .unknownOperator(opName) }

        guard let value = members["value"] else { throw .missingValue(op) }
        return (field, op, value)
    }

    private static func check(value: JSON, for op: FilterOperator) throws(FilterRuleError.Reason) {
        switch op {
        case .eq, .neq:
            return
        case .gt, .gte, .lt, .lte:
            guard case .number = value else { throw .valueNotNumber(op, found: value.articledTypeName) }
        case .contains:
            guard case .string = value else { throw .valueNotString(op, found: value.articledTypeName) }
        case .exists:
            guard case .bool = value else { throw .valueNotBoolean(found: value.articledTypeName) }
        case .in:
            guard case .array = value else { throw .valueNotArray(found: value.articledTypeName) }
        }
    }
}

extension FilterRule: Codable {
    /// Decodes and validates; a rejected rule becomes `DecodingError.dataCorrupted` whose
    /// debug description is the ``FilterRuleError`` message.
    public init(from decoder: any Decoder) throws {
        self = try decodeValidated(from: decoder) { json throws(FilterRuleError) in try FilterRule(json: json) }
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}

/// Decodes a JSON value and validates it with `make`; a rejection becomes
/// `DecodingError.dataCorrupted` carrying the ``FilterRuleError`` message.
func decodeValidated<T>(from decoder: any Decoder, _ make: (JSON) throws(FilterRuleError) -> T) throws -> T {
    let json = try JSON(from: decoder)
    do {
        return try make(json)
    } catch {
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description, underlyingError: error))
    }
}
