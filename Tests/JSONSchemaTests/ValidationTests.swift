import Foundation
import JSONSchema
import JSONValue
import Testing

/// Error paths (JSON Pointers into the instance) and messages, and concurrent reuse.
@Suite struct ValidationTests {
    typealias Failure = JSONSchema.ValidationError

    /// The schema of the schema-validation guide.
    static let guide: JSON = [
        "type": "object", "required": ["type", "data"],
        "properties": ["type": ["type": "string"], "data": ["type": "object"]],
    ]

    @Test func guideSchema() throws {
        let schema = try JSONSchema(Self.guide)
        #expect(schema.validate(["type": "order.created", "data": [:]]) == [])
        #expect(schema.validate(["type": 5]) == [
            Failure(path: "", message: "missing required property 'data'"),
            Failure(path: "/type", message: "must be string, but is integer"),
        ])
        #expect(schema.validate([1, 2]) == [
            Failure(path: "", message: "must be object, but is array")
        ])
    }

    @Test func pathsPointIntoNestedItemsAndEscapeKeys() throws {
        let schema = try JSONSchema([
            "properties": [
                "items": ["items": ["properties": ["price": ["minimum": 0]]]],
                "a/b~c": ["maxLength": 2],
            ],
            "additionalProperties": false,
        ])
        let errors = schema.validate([
            "items": [["price": 1], ["price": -1]],
            "a/b~c": "abc",
            "extra": true,
        ])
        #expect(errors == [
            Failure(path: "/items/1/price", message: "must be >= 0"),
            Failure(path: "/a~1b~0c", message: "must be at most 2 characters long, but is 3"),
            Failure(path: "", message: "property 'extra' is not allowed"),
        ])
    }

    @Test(arguments: [
        (["multipleOf": 0.01] as JSON, 0.015 as JSON, "must be a multiple of 0.01"),
        (["exclusiveMinimum": 0], 0, "must be > 0"),
        (["maximum": 1.5], 2, "must be <= 1.5"),
        (["minLength": 2], "a", "must be at least 2 characters long, but is 1"),
        (["pattern": "^[a-z]+$"], "A", "must match the pattern '^[a-z]+$'"),
        (["enum": ["a", 1]], "b", "must be one of [\"a\",1]"),
        (["const": ["x": 1]], ["x": 2], "must be equal to {\"x\":1}"),
        (["minItems": 2], [1], "must have at least 2 items, but has 1"),
        (["uniqueItems": true], [1, 2, 1.0], "must not contain duplicate items (items 0 and 2 are equal)"),
        (["contains": ["type": "string"]], [1], "must contain at least one item that matches the contains schema"),
        (["maxProperties": 0], ["a": 1], "must have at most 0 properties, but has 1"),
        (["dependencies": ["card": ["billing"]]], ["card": 1], "property 'card' requires property 'billing'"),
        (["propertyNames": ["maxLength": 1]], ["ab": 1], "property name 'ab' does not match the propertyNames schema"),
        (["anyOf": [["type": "string"], ["type": "null"]]], 1,
         "must match at least one of the anyOf schemas (0: must be string, but is integer; 1: must be null, but is integer)"),
        (["oneOf": [["required": ["a"]], ["properties": ["b": ["minimum": 1]]]]], ["b": 0],
         "must match exactly one of the oneOf schemas, but matches none (0: missing required property 'a'; 1: at /b must be >= 1)"),
        (["oneOf": [["type": "number"], ["type": "integer"]]], 1, "must match exactly one of the oneOf schemas, but matches those at 0, 1"),
        (["not": ["type": "integer"]], 1, "must not match the schema in not"),
        (["type": ["string", "null"]], 1, "must be null or string, but is integer"),
        (false, 1, "no value is allowed here (the schema is false)"),
    ] as [(JSON, JSON, String)])
    func messages(_ schema: JSON, _ instance: JSON, _ message: String) throws {
        let compiled = try JSONSchema(schema)
        #expect(compiled.validate(instance) == [Failure(path: "", message: message)])
        #expect(!compiled.isValid(instance))
    }

    @Test func conditionalsReportTheBranchErrors() throws {
        let schema = try JSONSchema([
            "if": ["properties": ["kind": ["const": "card"]]],
            "then": ["required": ["last4"]],
            "else": ["required": ["iban"]],
        ])
        #expect(schema.validate(["kind": "card"]) == [Failure(path: "", message: "missing required property 'last4'")])
        #expect(schema.validate(["kind": "bank"]) == [Failure(path: "", message: "missing required property 'iban'")])
    }

    @Test func equalityIsJSONEquality() throws {
        let unique = try JSONSchema(["uniqueItems": true])
        #expect(!unique.isValid([["a": 1, "b": 2], ["b": 2, "a": 1]]))
        #expect(unique.isValid([false, 0, "0", nil]))
        #expect(unique.isValid(["\u{E9}", "e\u{301}"]), "different code points are different strings")
        #expect(try JSONSchema(["const": 1]).isValid(1.0))
    }

    @Test func lengthsCountCodePoints() throws {
        let schema = try JSONSchema(["maxLength": 1, "minLength": 1])
        #expect(schema.isValid("💩"))
        #expect(!schema.isValid("e\u{301}"), "two code points, one grapheme")
    }

    @Test func patternsFollowECMAScript() throws {
        #expect(try !JSONSchema(["pattern": "^\\d$"]).isValid("\u{0663}"), "\\d is ASCII only")
        #expect(try !JSONSchema(["pattern": "^a$"]).isValid("a\n"), "$ is the end of input only")
        #expect(try JSONSchema(["pattern": "^\\s$"]).isValid("\u{FEFF}"))
        #expect(try JSONSchema(["pattern": "^[^]$"]).isValid("\n"))
        #expect(try JSONSchema(["pattern": "^\\p{Lu}{2}$"]).isValid("ÀB"))
        #expect(try JSONSchema(["pattern": "a{"]).isValid("a{"), "a brace that is no quantifier is literal")
        #expect(try JSONSchema(["pattern": "ab"]).isValid("xaby"), "patterns are not anchored")
        #expect(try JSONSchema(["pattern": "^[[]$"]).isValid("["), "[ inside a class is literal")
        #expect(try !JSONSchema(["pattern": "^[:alpha:]$"]).isValid("b"), "no POSIX classes in ECMA-262")
        #expect(try JSONSchema(["pattern": "(?<=a+)b"]).isValid("caab"), "variable-width lookbehind")
        #expect(try !JSONSchema(["pattern": "(?<=a+)b"]).isValid("cb"))
        #expect(try JSONSchema(["pattern": "^\\uD83D\\uDE00$"]).isValid("😀"), "a surrogate pair is one code point")
        #expect(try JSONSchema(["pattern": "^\\u{1F600}$"]).isValid("😀"))
        #expect(try JSONSchema(["pattern": "^.$"]).isValid("😀"))
        #expect(try !JSONSchema(["pattern": "^\\w$"]).isValid("é"), "\\w is ASCII only")
        #expect(throws: JSONSchemaError.self) { try JSONSchema(["pattern": "a)"]) }
        #expect(throws: JSONSchemaError.self) { try JSONSchema(["pattern": "\\a"]) }
        #expect(throws: JSONSchemaError.self) { try JSONSchema(["pattern": "(?i)a"]) }
    }

    @Test func formatIsAnAnnotationUnlessSwitchedOn() throws {
        let schema: JSON = ["format": "email"]
        #expect(try JSONSchema(schema).isValid("not an email"))
        let asserting = try JSONSchema(schema, options: .init(formatAssertion: true))
        #expect(asserting.validate("not an email") == [Failure(path: "", message: "must be a valid email")])
        #expect(asserting.isValid("ops@example.com"))
        #expect(asserting.isValid(42), "formats apply to strings only")
    }

    @Test(arguments: [
        ("date-time", "2026-11-23T12:00:00.5+01:00", "2026-02-30T12:00:00Z"),
        ("date", "2024-02-29", "2023-02-29"),
        ("time", "23:59:60Z", "12:00:00"),
        ("hostname", "api.example.com", "-bad.example.com"),
        ("idn-hostname", "bücher.example", "a\u{302E}b"),
        ("ipv4", "192.168.0.1", "192.168.00.1"),
        ("ipv6", "::ffff:10.0.0.1", "1::2::3"),
        ("uri", "https://example.com/a?b#c", "/relative"),
        ("uri-reference", "../a#b", "\\\\bad"),
        ("iri", "https://ex.com/ü", "ü"),
        ("json-pointer", "/a~1b/0", "a/b"),
        ("relative-json-pointer", "1/a", "01/a"),
        ("regex", "^a+$", "(unclosed"),
        ("uuid", "2eb8aa08-aa98-11ea-b4aa-73b441d16380", "2eb8aa08-aa98-11ea-b4aa-73b441d1638"),
        ("uri-template", "https://ex.com/{user}/{+path}", "https://ex.com/{user"),
        ("email", "a.b@[IPv6:::1]", "a..b@example.com"),
        ("idn-email", "用户@例子.广告", "用户@"),
    ])
    func formats(_ name: String, _ good: String, _ bad: String) throws {
        let schema = try JSONSchema(["format": .string(name)], options: .init(formatAssertion: true))
        #expect(schema.isValid(.string(good)), "\(name): \(good)")
        #expect(!schema.isValid(.string(bad)), "\(name): \(bad)")
    }

    @Test func validationErrorsEncodeAsPathAndMessage() throws {
        let error = Failure(path: "/a", message: "must be >= 0")
        let data = try JSONEncoder().encode(error)
        #expect(try JSON(parsing: data) == ["path": "/a", "message": "must be >= 0"])
        #expect(try JSONDecoder().decode(Failure.self, from: data) == error)
        #expect(error.description == "/a: must be >= 0")
    }

    @Test func oneCompiledSchemaServesManyThreads() async throws {
        let schema = try JSONSchema([
            "type": "object",
            "properties": ["n": ["type": "integer", "minimum": 0], "tag": ["pattern": "^[a-z]+$"]],
            "required": ["n"],
        ])
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var wrong = 0
                    for i in 0..<500 {
                        let n = (i + worker) % 3 == 0 ? -1 : i
                        let errors = schema.validate(["n": .number(Double(n)), "tag": "abc"])
                        let expected = n < 0 ? [Failure(path: "/n", message: "must be >= 0")] : []
                        if errors != expected || schema.isValid(["n": .number(Double(n))]) != (n >= 0) { wrong += 1 }
                    }
                    return wrong
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(failures == 0)
    }
}
