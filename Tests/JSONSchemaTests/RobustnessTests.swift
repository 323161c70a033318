import JSONSchema
import JSONValue
import Testing

/// Compilation and evaluation recurse with the schema and instance depth; the parser's nesting
/// limit bounds both, and the deepest parseable schema must work on a task's smaller stack.
@Suite struct NestingTests {
    @Test func deepestParseableSchemaOnATask() async throws {
        var text = "{\"type\":\"integer\"}"
        var instance = "1"
        for _ in 0..<254 {
            text = "{\"properties\":{\"a\":\(text)},\"required\":[\"a\"]}"
            instance = "{\"a\":\(instance)}"
        }
        let schemaJSON = try JSON(parsing: text)
        let instanceJSON = try JSON(parsing: instance)
        let ok = try await Task.detached { () throws -> Bool in
            let s = try JSONSchema(schemaJSON)
            return s.isValid(instanceJSON) && s.validate(instanceJSON).isEmpty
        }.value
        #expect(ok)
    }
}

/// A user's pattern must not stall validation: runaway backtracking is abandoned, while long
/// subjects that only need a linear scan still complete.
@Suite struct PatternBudgetTests {
    @Test func catastrophicBacktrackingIsAbandoned() throws {
        let schema = try JSONSchema(["properties": ["name": ["pattern": "^(a+)+$"]]])
        let started = ContinuousClock.now
        let errors = schema.validate(["name": .string(String(repeating: "a", count: 40) + "b")])
        #expect(errors == [
            .init(path: "/name", message: "could not be checked against the pattern '^(a+)+$': matching takes too long")
        ])
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func longSubjectsAreScannedCompletely() throws {
        let long = String(repeating: "a", count: 2_000_000)
        #expect(try !JSONSchema(["pattern": "z"]).isValid(.string(long)))
        #expect(try JSONSchema(["pattern": "z"]).isValid(.string(long + "z")))
        #expect(try JSONSchema(["patternProperties": ["^x-": ["type": "string"]]]).isValid(["x-a": "1", "y": 2]))
    }

    @Test func backtrackingAtEveryStartPositionIsAbandonedInTime() throws {
        let schema = try JSONSchema(["pattern": "(a|aa)+b"])
        let started = ContinuousClock.now
        #expect(!schema.isValid(.string(String(repeating: "a", count: 5_000))))
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
