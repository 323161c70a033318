import HookstreamCore
import JSONValue
import Testing

/// One request every table row is evaluated against.
private let order: JSON = [
    "type": "order.created",
    "amount": 1500,
    "ratio": 0.25,
    "paid": true,
    "note": nil,
    "count_text": "5",
    "tags": ["vip", "eu"],
    "data": ["customer": ["id": "cus_42", "email": "a@example.com"]],
    "items": [["sku": "A-1", "qty": 2], ["sku": "B-2", "qty": 1]],
    "matrix": [[1, 2], [3, 4]],
    "0": "zero-key",
]

private let request = FilterInput(
    body: order,
    headers: [
        ("X-GitHub-Event", "push"), ("Content-Type", "application/json; charset=utf-8"),
        ("X-Attempt", "3"), ("Accept", "text/html"), ("accept", "application/json"),
    ],
    method: "POST",
    contentType: "application/json; charset=utf-8",
    sourceIP: "203.0.113.7",
    query: [("env", "prod"), ("page", "2"), ("env", "staging")]
)

struct EvaluationCase: Sendable, CustomTestStringConvertible {
    let field: String
    let op: FilterOperator
    let value: JSON
    let expected: Bool
    init(_ field: String, _ op: FilterOperator, _ value: JSON, _ expected: Bool) {
        self.field = field
        self.op = op
        self.value = value
        self.expected = expected
    }
    var testDescription: String { "\(field) \(op.rawValue) \(value) → \(expected)" }
}

@Suite struct FilterEvaluationTests {
    @Test(arguments: [
        // eq: strings, numbers (by value), booleans, null, structures; case-sensitive.
        EvaluationCase("payload.type", .eq, "order.created", true),
        EvaluationCase("payload.type", .eq, "Order.Created", false),
        EvaluationCase("body.type", .eq, "order.created", true),
        EvaluationCase("payload.amount", .eq, 1500, true),
        EvaluationCase("payload.amount", .eq, 1500.0, true),
        EvaluationCase("payload.amount", .eq, "1500", false),
        EvaluationCase("payload.count_text", .eq, 5, false),
        EvaluationCase("payload.paid", .eq, true, true),
        EvaluationCase("payload.paid", .eq, "true", false),
        EvaluationCase("payload.note", .eq, nil, true),
        EvaluationCase("payload.missing", .eq, nil, false),
        EvaluationCase("payload.tags", .eq, ["vip", "eu"], true),
        EvaluationCase("payload.tags", .eq, ["eu", "vip"], false),
        EvaluationCase("payload.data.customer", .eq, ["email": "a@example.com", "id": "cus_42"], true),
        EvaluationCase("payload.missing", .eq, "x", false),
        // neq: the inverse of eq, so a missing field is "not equal".
        EvaluationCase("payload.type", .neq, "order.created", false),
        EvaluationCase("payload.type", .neq, "order.deleted", true),
        EvaluationCase("payload.amount", .neq, 1500, false),
        EvaluationCase("payload.missing", .neq, "x", true),
        EvaluationCase("payload.note", .neq, nil, false),
        // contains: substring of a string, nothing else.
        EvaluationCase("payload.type", .contains, "order.", true),
        EvaluationCase("payload.type", .contains, "ORDER", false),
        EvaluationCase("payload.type", .contains, "", true),
        EvaluationCase("payload.tags", .contains, "vip", false),
        EvaluationCase("payload.amount", .contains, "15", false),
        EvaluationCase("payload.note", .contains, "", false),
        EvaluationCase("payload.missing", .contains, "", false),
        EvaluationCase("payload.data.customer.email", .contains, "@example.com", true),
        // gt / gte / lt / lte: numbers only.
        EvaluationCase("payload.amount", .gt, 1000, true),
        EvaluationCase("payload.amount", .gt, 1500, false),
        EvaluationCase("payload.amount", .gte, 1500, true),
        EvaluationCase("payload.amount", .gte, 1500.5, false),
        EvaluationCase("payload.amount", .lt, 1500, false),
        EvaluationCase("payload.amount", .lt, 2000, true),
        EvaluationCase("payload.amount", .lte, 1500, true),
        EvaluationCase("payload.amount", .lte, 1499.99, false),
        EvaluationCase("payload.ratio", .lt, 0.3, true),
        EvaluationCase("payload.ratio", .gt, -1, true),
        EvaluationCase("payload.count_text", .gt, 1, false),
        EvaluationCase("payload.paid", .gt, 0, false),
        EvaluationCase("payload.note", .lte, 0, false),
        EvaluationCase("payload.missing", .lt, 100, false),
        EvaluationCase("payload.missing", .gte, 0, false),
        // exists: present and not null.
        EvaluationCase("payload.type", .exists, true, true),
        EvaluationCase("payload.type", .exists, false, false),
        EvaluationCase("payload.note", .exists, true, false),
        EvaluationCase("payload.note", .exists, false, true),
        EvaluationCase("payload.missing", .exists, true, false),
        EvaluationCase("payload.missing", .exists, false, true),
        EvaluationCase("payload.paid", .exists, true, true),
        EvaluationCase("payload.tags", .exists, true, true),
        EvaluationCase("payload.type.deeper", .exists, false, true),
        EvaluationCase("payload", .exists, true, true),
        // in: one of the allowed values, with JSON equality.
        EvaluationCase("payload.type", .in, ["order.created", "order.updated"], true),
        EvaluationCase("payload.type", .in, ["order.updated"], false),
        EvaluationCase("payload.type", .in, [], false),
        EvaluationCase("payload.amount", .in, [100, 1500.0], true),
        EvaluationCase("payload.amount", .in, ["1500"], false),
        EvaluationCase("payload.note", .in, [nil], true),
        EvaluationCase("payload.missing", .in, [nil], false),
        EvaluationCase("payload.tags", .in, [["vip", "eu"]], true),
    ])
    func operatorsOnTheBody(_ c: EvaluationCase) throws {
        let rule = try FilterRule(field: c.field, op: c.op, value: c.value)
        #expect(rule.matches(request) == c.expected)
    }

    @Test(arguments: [
        // Nested members, dotted and bracketed indices.
        EvaluationCase("payload.data.customer.id", .eq, "cus_42", true),
        EvaluationCase("payload.items.0.sku", .eq, "A-1", true),
        EvaluationCase("payload.items.1.sku", .eq, "B-2", true),
        EvaluationCase("payload.items[1].qty", .eq, 1, true),
        EvaluationCase("body.items[0].qty", .gt, 1, true),
        EvaluationCase("payload.items.2.sku", .exists, false, true),
        EvaluationCase("payload.items[5]", .exists, true, false),
        EvaluationCase("payload.items.01.sku", .exists, true, false),
        EvaluationCase("payload.items.sku", .exists, true, false),
        EvaluationCase("payload.matrix[1][0]", .eq, 3, true),
        EvaluationCase("payload.matrix.1.1", .eq, 4, true),
        EvaluationCase("payload.tags.1", .eq, "eu", true),
        // An all-digit segment on an object is a member name; a bracket index never is.
        EvaluationCase("payload.0", .eq, "zero-key", true),
        EvaluationCase("payload[0]", .exists, true, false),
        EvaluationCase("payload.data.customer.id.x", .exists, true, false),
        // The whole body.
        EvaluationCase("body", .eq, order, true),
    ])
    func bodyPaths(_ c: EvaluationCase) throws {
        let rule = try FilterRule(field: c.field, op: c.op, value: c.value)
        #expect(rule.matches(request) == c.expected)
    }

    @Test(arguments: [
        // Headers: names case-insensitive, values exact; repeats join with ", ".
        EvaluationCase("headers.x-github-event", .eq, "push", true),
        EvaluationCase("headers.X-GITHUB-EVENT", .eq, "push", true),
        EvaluationCase("headers.x-github-event", .eq, "Push", false),
        EvaluationCase("headers.x-github-event", .in, ["push", "pull_request"], true),
        EvaluationCase("headers.x-github-event", .neq, "issues", true),
        EvaluationCase("headers.accept", .eq, "text/html, application/json", true),
        EvaluationCase("headers.accept", .contains, "application/json", true),
        EvaluationCase("headers.x-missing", .exists, false, true),
        EvaluationCase("headers.x-missing", .exists, true, false),
        EvaluationCase("headers.x-missing", .neq, "a", true),
        EvaluationCase("headers.x-missing", .eq, "a", false),
        // Header text compares numerically against a numeric rule value.
        EvaluationCase("headers.x-attempt", .gt, 2, true),
        EvaluationCase("headers.x-attempt", .lte, 2, false),
        EvaluationCase("headers.x-attempt", .eq, 3, true),
        EvaluationCase("headers.x-attempt", .eq, "3", true),
        EvaluationCase("headers.x-attempt", .in, [1, 3], true),
        EvaluationCase("headers.x-github-event", .gt, 0, false),
        // Query parameters: exact names, first value wins.
        EvaluationCase("query.env", .eq, "prod", true),
        EvaluationCase("query.env", .eq, "staging", false),
        EvaluationCase("query.ENV", .exists, false, true),
        EvaluationCase("query.page", .gte, 2, true),
        EvaluationCase("query.page", .lt, 2, false),
        EvaluationCase("query.missing", .exists, true, false),
        // Method, content type, source IP.
        EvaluationCase("method", .eq, "POST", true),
        EvaluationCase("method", .eq, "post", false),
        EvaluationCase("method", .in, ["PUT", "POST"], true),
        EvaluationCase("method", .neq, "GET", true),
        EvaluationCase("content_type", .eq, "application/json; charset=utf-8", true),
        EvaluationCase("content_type", .contains, "application/json", true),
        EvaluationCase("content_type", .exists, true, true),
        EvaluationCase("source_ip", .eq, "203.0.113.7", true),
        EvaluationCase("source_ip", .contains, "203.0.113.", true),
        EvaluationCase("source_ip", .gt, 1, false),
    ])
    func requestPaths(_ c: EvaluationCase) throws {
        let rule = try FilterRule(field: c.field, op: c.op, value: c.value)
        #expect(rule.matches(request) == c.expected)
    }

    @Test func numericTextMustBeAPlainDecimal() throws {
        let rule = try FilterRule(field: "headers.x-n", op: .gt, value: 0)
        for text in ["1", "1.5", "-0.5e1", "2E3"] {
            #expect(rule.matches(FilterInput(headers: [("X-N", text)])) == !text.hasPrefix("-"), "\(text)")
        }
        for text in ["", "inf", "nan", "0x10", " 1", "1 ", "e", "+", "--1", "1,5"] {
            #expect(!rule.matches(FilterInput(headers: [("X-N", text)])), "\(text)")
        }
    }

    @Test func aNonJSONBodyMakesEveryBodyPathMissing() throws {
        let input = FilterInput(body: nil, method: "POST", contentType: "text/plain")
        let cases: [(FilterRule, Bool)] = [
            (try FilterRule(field: "payload", op: .exists, value: true), false),
            (try FilterRule(field: "payload", op: .exists, value: false), true),
            (try FilterRule(field: "payload.type", op: .eq, value: "x"), false),
            (try FilterRule(field: "payload.type", op: .neq, value: "x"), true),
            (try FilterRule(field: "content_type", op: .eq, value: "text/plain"), true),
        ]
        for (rule, expected) in cases {
            #expect(rule.matches(input) == expected, "\(rule.field) \(rule.op)")
        }
    }

    @Test func absentContentTypeAndSourceIPAreMissing() throws {
        let input = FilterInput(body: [:], method: "GET")
        #expect(try FilterRule(field: "content_type", op: .exists, value: false).matches(input))
        #expect(try !FilterRule(field: "source_ip", op: .eq, value: "").matches(input))
        #expect(try FilterRule(field: "source_ip", op: .neq, value: "10.0.0.1").matches(input))
    }

    @Test func rulesAreANDedAndAnEmptySetMatchesEverything() throws {
        let both = try FilterRuleSet(json: [
            ["field": "payload.type", "op": "eq", "value": "order.created"],
            ["field": "payload.amount", "op": "gt", "value": 1000],
        ])
        #expect(both.matches(request))

        let oneFails = try FilterRuleSet(json: [
            ["field": "payload.type", "op": "eq", "value": "order.created"],
            ["field": "payload.amount", "op": "gt", "value": 5000],
        ])
        #expect(!oneFails.matches(request))

        let firstFails = try FilterRuleSet(json: [
            ["field": "method", "op": "eq", "value": "GET"],
            ["field": "payload.amount", "op": "gt", "value": 0],
        ])
        #expect(!firstFails.matches(request))

        #expect(FilterRuleSet.matchAll.matches(request))
        #expect(FilterRuleSet.matchAll.matches(FilterInput()))
    }

    @Test func aScalarBodyIsAddressableAsAWhole() throws {
        let input = FilterInput(body: "ping")
        #expect(try FilterRule(field: "body", op: .eq, value: "ping").matches(input))
        #expect(try FilterRule(field: "body", op: .contains, value: "in").matches(input))
        #expect(try !FilterRule(field: "body.x", op: .exists, value: true).matches(input))
    }
}

@Suite struct FilterInputFromEventFieldsTests {
    @Test func readsTheEventsStoredShapes() throws {
        let input = FilterInput(
            body: ["type": "a"], headers: ["x-github-event": "push", "x-count": 3], method: "PUT",
            contentType: "application/json", sourceIP: "10.0.0.1",
            query: ["tag": ["first", "second"], "page": 2, "flag": true, "skip": nil])
        let cases: [(String, FilterOperator, JSON, Bool)] = [
            ("headers.X-GitHub-Event", .eq, "push", true),
            ("headers.x-count", .gte, 3, true),
            ("query.tag", .eq, "first", true),
            ("query.tag", .eq, "second", false),
            ("query.page", .eq, 2, true),
            ("query.flag", .eq, "true", true),
            ("query.skip", .exists, false, true),
            ("method", .eq, "PUT", true),
            ("source_ip", .eq, "10.0.0.1", true),
            ("payload.type", .eq, "a", true),
        ]
        for (field, op, value, expected) in cases {
            #expect(try FilterRule(field: field, op: op, value: value).matches(input) == expected, "\(field)")
        }
    }
}
