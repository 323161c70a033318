import JSONSchema
import JSONValue
import Testing

/// Invalid schemas are refused when compiled, with a message naming the keyword and its path.
@Suite struct SchemaCompileTests {
    static let draft4 = JSON.string("http://json-schema.org/draft-04/schema#")

    static let invalid: [(schema: JSON, path: String, fragment: String)] = [
        (["type": 5], "/type", "must be a string or an array of strings"),
        (["type": "strin"], "/type", "unknown type 'strin'"),
        (["type": []], "/type", "must not be an empty array"),
        (["minimum": "x"], "/minimum", "must be a number"),
        (["required": "id"], "/required", "must be an array of strings"),
        (["required": ["id", "id"]], "/required", "duplicates"),
        (["pattern": "("], "/pattern", "not a valid regular expression"),
        (["pattern": 7], "/pattern", "must be a string"),
        (["patternProperties": ["[a-": [:]]], "/patternProperties", "not a valid regular expression"),
        (["$ref": "#/definitions/missing"], "/$ref", "cannot be resolved"),
        (["$ref": "other.json"], "/$ref", "cannot be resolved"),
        (["$ref": 3], "/$ref", "must be a string"),
        (["properties": ["a": 5]], "/properties/a", "must be an object or a boolean"),
        (["multipleOf": 0], "/multipleOf", "greater than 0"),
        (["maxLength": -1], "/maxLength", "non-negative integer"),
        (["minItems": 1.5], "/minItems", "non-negative integer"),
        (["enum": 3], "/enum", "must be an array"),
        (["items": 3], "/items", "must be an object or a boolean"),
        (["allOf": []], "/allOf", "must not be empty"),
        (["dependencies": ["a": 3]], "/dependencies/a", "must be an object or a boolean"),
        (["dependencies": ["a": [1]]], "/dependencies", "array of strings"),
        (["definitions": ["x": ["type": 1]]], "/definitions/x/type", "must be a string"),
        (["format": 3], "/format", "must be a string"),
        (["$id": 4], "/$id", "must be a string"),
        (["exclusiveMaximum": true], "/exclusiveMaximum", "must be a number"),
        (["$schema": draft4, "maximum": 3, "exclusiveMaximum": 2], "/exclusiveMaximum", "must be a boolean"),
        (["$schema": draft4, "exclusiveMinimum": true], "/exclusiveMinimum", "requires minimum"),
        (["$schema": draft4, "required": []], "/required", "must not be empty"),
        (5, "", "must be an object or a boolean"),
    ]

    @Test(arguments: invalid.indices)
    func rejectsInvalidSchema(_ index: Int) {
        let (schema, path, fragment) = Self.invalid[index]
        do {
            _ = try JSONSchema(schema)
            Issue.record("accepted \(schema)")
        } catch let error as JSONSchemaError {
            #expect(error.path == path, "\(schema): \(error)")
            #expect(error.message.contains(fragment), "\(schema): \(error)")
            #expect(error.description.contains(error.message))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func errorsInRemoteDocumentsNameTheDocument() {
        let options = JSONSchema.Options(remoteSchemas: ["https://ex.com/s.json": ["definitions": ["a": ["minimum": "0"]]]])
        do {
            _ = try JSONSchema(["$ref": "https://ex.com/s.json#/definitions/a"], options: options)
            Issue.record("accepted")
        } catch let error as JSONSchemaError {
            #expect(error.path == "https://ex.com/s.json#/definitions/a/minimum")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func rejectsReferenceLoopsThatNeverReachAKeyword() {
        let loops: [JSON] = [
            ["allOf": [["$ref": "#"]]],
            ["definitions": ["a": ["$ref": "#/definitions/b"], "b": ["$ref": "#/definitions/a"]], "$ref": "#/definitions/a"],
            ["anyOf": [["type": "string"], ["not": ["$ref": "#"]]]],
        ]
        for schema in loops {
            #expect(throws: JSONSchemaError.self, "\(schema)") { try JSONSchema(schema) }
        }
        do {
            _ = try JSONSchema(["properties": ["a": ["allOf": [["$ref": "#/properties/a"]]]]])
            Issue.record("accepted a loop")
        } catch let error as JSONSchemaError {
            #expect(error.path == "/properties/a")
            #expect(error.message.contains("reference cycle"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func acceptsRecursionThroughTheInstance() throws {
        let tree: JSON = [
            "type": "object",
            "properties": ["value": ["type": "number"], "children": ["type": "array", "items": ["$ref": "#"]]],
        ]
        let schema = try JSONSchema(tree)
        var deep: JSON = ["value": 1]
        for _ in 0..<200 { deep = ["value": 1, "children": [deep]] }
        #expect(schema.isValid(deep))
        #expect(!schema.isValid(["children": [["value": "x"]]]))
    }

    @Test func unknownKeywordsAndFormatsAreIgnored() throws {
        let schema = try JSONSchema(["x-internal": ["type": 5], "format": "no-such-format"], options: .init(formatAssertion: true))
        #expect(schema.isValid("anything"))
    }

    @Test func keywordsFromLaterDraftsAreIgnoredInEarlierOnes() throws {
        let schema = try JSONSchema(["const": 1, "if": ["type": "string"]], options: .init(defaultDraft: .draft4))
        #expect(schema.isValid(2))
    }

    @Test func schemaURISelectsTheDraft() throws {
        let draft4 = try JSONSchema(["$schema": Self.draft4, "maximum": 10, "exclusiveMaximum": true])
        #expect(!draft4.isValid(10))
        #expect(draft4.isValid(9.5))
        let draft7 = try JSONSchema(["exclusiveMaximum": 10])
        #expect(!draft7.isValid(10))
        #expect(draft7.isValid(9.5))
    }

    @Test func builtInMetaSchemasResolve() throws {
        for uri in ["http://json-schema.org/draft-04/schema#", "http://json-schema.org/draft-06/schema#",
            "http://json-schema.org/draft-07/schema#"]
        {
            let metaSchema = try JSONSchema(["$ref": .string(uri)])
            #expect(metaSchema.isValid(["type": "string", "minLength": 2]), "\(uri)")
            #expect(!metaSchema.isValid(["type": 5]), "\(uri)")
            #expect(!metaSchema.isValid(["minLength": -1]), "\(uri)")
        }
    }

    @Test func remoteSchemasAreReachableByAbsoluteAndRelativeReferences() throws {
        let money: JSON = [
            "$id": "https://schemas.example.com/money.json",
            "definitions": ["amount": ["type": "integer", "minimum": 0]],
        ]
        let options = JSONSchema.Options(remoteSchemas: ["https://schemas.example.com/money.json": money])
        let absolute = try JSONSchema(["$ref": "https://schemas.example.com/money.json#/definitions/amount"], options: options)
        #expect(absolute.isValid(5))
        #expect(!absolute.isValid(-5))
        let relative = try JSONSchema(
            ["$id": "https://schemas.example.com/order.json", "properties": ["total": ["$ref": "money.json#/definitions/amount"]]],
            options: options)
        #expect(relative.validate(["total": 1.5]) == [.init(path: "/total", message: "must be integer, but is number")])
    }
}
