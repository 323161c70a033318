import Foundation
import HookstreamCore
import JSONValue
import Testing

@Suite struct FilterRuleDecodingTests {
    @Test func decodesTheSpecExample() throws {
        let rule = try FilterRule(json: ["field": "payload.type", "op": "eq", "value": "order.created"])
        #expect(rule.field == "payload.type")
        #expect(rule.path == .body([.key("type")]))
        #expect(rule.op == .eq)
        #expect(rule.value == "order.created")
    }

    @Test func acceptsOperatorAsAnAliasAndAnswersWithOp() throws {
        let rule = try FilterRule(json: ["field": "body.type", "operator": "eq", "value": "payment.completed"])
        #expect(rule.op == .eq)
        #expect(rule.json == ["field": "body.type", "op": "eq", "value": "payment.completed"])
        #expect(rule.json["operator"] == nil)
    }

    @Test func acceptsBothKeysWhenTheyAgree() throws {
        let rule = try FilterRule(json: ["field": "method", "op": "neq", "operator": "neq", "value": "GET"])
        #expect(rule.op == .neq)
    }

    @Test func ignoresUnknownMembers() throws {
        let rule = try FilterRule(json: ["id": 7, "field": "method", "op": "eq", "value": "POST"])
        #expect(rule.json == ["field": "method", "op": "eq", "value": "POST"])
    }

    @Test(arguments: FilterOperator.allCases)
    func everyOperatorHasItsSpecName(_ op: FilterOperator) {
        #expect(["eq", "neq", "contains", "gt", "gte", "lt", "lte", "exists", "in"].contains(op.rawValue))
        #expect(FilterOperator.allCases.count == 9)
    }

    struct Accepted: Sendable, CustomTestStringConvertible {
        let op: String
        let value: JSON
        var testDescription: String { "\(op) \(value)" }
    }

    @Test(arguments: [
        Accepted(op: "eq", value: "a"), Accepted(op: "eq", value: 1), Accepted(op: "eq", value: true),
        Accepted(op: "eq", value: nil), Accepted(op: "eq", value: ["a": 1]), Accepted(op: "neq", value: [1, 2]),
        Accepted(op: "contains", value: ""), Accepted(op: "gt", value: 1.5), Accepted(op: "gte", value: -3),
        Accepted(op: "lt", value: 0), Accepted(op: "lte", value: 1e9), Accepted(op: "exists", value: false),
        Accepted(op: "in", value: []), Accepted(op: "in", value: ["a", 1, nil]),
    ])
    func acceptsWellTypedValues(_ c: Accepted) throws {
        let rule = try FilterRule(json: ["field": "payload.x", "op": .string(c.op), "value": c.value])
        #expect(rule.value == c.value)
        #expect(rule.op.rawValue == c.op)
    }

    struct Rejected: Sendable, CustomTestStringConvertible {
        let rule: JSON
        let message: String
        var testDescription: String { message }
    }

    @Test(arguments: [
        Rejected(rule: "eq", message: "a filter rule must be an object with field, op and value, not a string"),
        Rejected(rule: ["op": "eq", "value": 1], message: "\"field\" is required"),
        Rejected(rule: ["field": 3, "op": "eq", "value": 1], message: "\"field\" must be a string, not a number"),
        Rejected(rule: ["field": "", "op": "eq", "value": 1], message: "\"field\" must not be empty"),
        Rejected(
            rule: ["field": "type", "op": "eq", "value": 1],
            message: "invalid field path \"type\": a field must start with \"payload.\", \"body.\", \"headers.\" or "
                + "\"query.\", or be \"method\", \"content_type\" or \"source_ip\""),
        Rejected(
            rule: ["field": "payload.x", "value": 1],
            message: "\"op\" is required (one of eq, neq, contains, gt, gte, lt, lte, exists, in)"),
        Rejected(rule: ["field": "payload.x", "op": nil, "value": 1], message: "\"op\" must be a string, not null"),
        Rejected(
            rule: ["field": "payload.x", "op": "like", "value": 1],
            message: "unknown operator \"like\" (expected one of eq, neq, contains, gt, gte, lt, lte, exists, in)"),
        Rejected(
            rule: ["field": "payload.x", "op": "EQ", "value": 1],
            message: "unknown operator \"EQ\" (expected one of eq, neq, contains, gt, gte, lt, lte, exists, in)"),
        Rejected(
            rule: ["field": "payload.x", "op": "eq", "operator": "neq", "value": 1],
            message: "\"op\" (\"eq\") and \"operator\" (\"neq\") disagree; give one of them"),
        Rejected(rule: ["field": "payload.x", "op": "eq"], message: "operator \"eq\" requires a \"value\""),
        Rejected(rule: ["field": "payload.x", "op": "exists"], message: "operator \"exists\" requires a \"value\""),
        Rejected(
            rule: ["field": "payload.x", "op": "gt", "value": "10"],
            message: "operator \"gt\" compares numbers; \"value\" must be a number, not a string"),
        Rejected(
            rule: ["field": "payload.x", "op": "lte", "value": nil],
            message: "operator \"lte\" compares numbers; \"value\" must be a number, not null"),
        Rejected(
            rule: ["field": "payload.x", "op": "gte", "value": [1]],
            message: "operator \"gte\" compares numbers; \"value\" must be a number, not an array"),
        Rejected(
            rule: ["field": "payload.x", "op": "lt", "value": true],
            message: "operator \"lt\" compares numbers; \"value\" must be a number, not a boolean"),
        Rejected(
            rule: ["field": "payload.x", "op": "contains", "value": 5],
            message: "operator \"contains\" matches substrings; \"value\" must be a string, not a number"),
        Rejected(
            rule: ["field": "payload.x", "op": "exists", "value": "yes"],
            message: "operator \"exists\" takes true (present) or false (absent); \"value\" must be a boolean, "
                + "not a string"),
        Rejected(
            rule: ["field": "payload.x", "op": "in", "value": "a,b"],
            message: "operator \"in\" takes an array of allowed values; \"value\" must be an array, not a string"),
        Rejected(
            rule: ["field": "payload.x", "op": "in", "value": ["a": 1]],
            message: "operator \"in\" takes an array of allowed values; \"value\" must be an array, not an object"),
    ])
    func rejectsWithAClearMessage(_ c: Rejected) {
        #expect {
            _ = try FilterRule(json: c.rule)
        } throws: { error in
            (error as? FilterRuleError)?.description == c.message
        }
    }

    @Test func setDecodingNamesTheOffendingRule() {
        let rules: JSON = [
            ["field": "payload.type", "op": "eq", "value": "a"],
            ["field": "payload.amount", "op": "gt", "value": "1000"],
        ]
        #expect {
            _ = try FilterRuleSet(json: rules)
        } throws: { error in
            guard let error = error as? FilterRuleError else { return false }
            return error.ruleIndex == 1
                && error.description
                    == "filter_rules[1]: operator \"gt\" compares numbers; \"value\" must be a number, not a string"
        }
    }

    @Test func setDecodingRejectsANonArray() {
        #expect {
            _ = try FilterRuleSet(json: ["field": "method", "op": "eq", "value": "POST"])
        } throws: { error in
            (error as? FilterRuleError)?.description
                == "filter_rules must be an array of {field, op, value} objects, not an object"
        }
    }

    @Test(arguments: [nil, JSON.null, JSON.array([])])
    func absentNullOrEmptyMeansNoRules(_ json: JSON?) throws {
        let set = try FilterRuleSet(json: json)
        #expect(set.rules.isEmpty)
        #expect(set == .matchAll)
    }

    @Test func setRoundTripsThroughCodableWithOp() throws {
        let input = #"[{"field":"payload.type","operator":"in","value":["a","b"]},"#
            + #"{"field":"headers.X-Env","op":"eq","value":"prod"}]"#
        let set = try JSONDecoder().decode(FilterRuleSet.self, from: Data(input.utf8))
        #expect(set.rules.map(\.op) == [.in, .eq])
        let encoded = try JSON(parsing: try JSONEncoder().encode(set))
        #expect(
            encoded == [
                ["field": "payload.type", "op": "in", "value": ["a", "b"]],
                ["field": "headers.X-Env", "op": "eq", "value": "prod"],
            ])
        #expect(encoded == set.json)
    }

    @Test func codableDecodingSurfacesTheValidationMessage() {
        let input = #"{"field":"payload.x","op":"between","value":[1,2]}"#
        #expect {
            _ = try JSONDecoder().decode(FilterRule.self, from: Data(input.utf8))
        } throws: { error in
            guard case DecodingError.dataCorrupted(let context) = error else { return false }
            return context.debugDescription.hasPrefix("unknown operator \"between\"")
        }
    }

    @Test func buildsFromPartsWithTheSameChecks() throws {
        let rule = try FilterRule(field: "payload.n", op: .gte, value: 3)
        #expect(rule.json == ["field": "payload.n", "op": "gte", "value": 3])
        #expect(throws: FilterRuleError(reason: .valueNotBoolean(found: "a number"))) {
            try FilterRule(field: "payload.n", op: .exists, value: 1)
        }
    }
}
