import HookstreamCore
import JSONValue
import Testing

@Suite struct RecordSchemaTests {
    private func infer(_ records: [String]) throws -> RecordSchema {
        var builder = RecordSchemaBuilder()
        for text in records { builder.add(try JSON(parsing: text)) }
        return builder.schema()
    }

    /// `name type nullable` per field, one string each, for compact tables.
    private func summary(_ records: [String]) throws -> [String] {
        try infer(records).fields.map { "\($0.name) \($0.type)\($0.nullable ? "?" : "")" }
    }

    @Test(arguments: [
        // The reference's example: leaves as dot paths, in first-seen order.
        ([#"{"type":"order.created","data":{"id":"o1","amount":4999}}"#], ["type string", "data.id string", "data.amount number"]),
        // Missing from one record, or null in one: nullable. Only null: type null.
        ([#"{"a":1,"b":"x","c":null}"#, #"{"a":2,"c":null}"#], ["a number", "b string?", "c null?"]),
        ([#"{"a":1}"#, #"{"a":null}"#], ["a number?"]),
        // Mixed types are reported as such, nulls aside.
        ([#"{"v":1}"#, #"{"v":"1"}"#, #"{"v":null}"#], ["v mixed?"]),
        // An object that is sometimes a scalar is mixed, and its members are still described.
        ([#"{"m":{"k":true}}"#, #"{"m":"none"}"#], ["m mixed", "m.k boolean"]),
        // An object never seen with members is a field of its own; one with members is not.
        ([#"{"meta":{}}"#, #"{"meta":{}}"#], ["meta object"]),
        // Arrays are fields; object elements are descended into, scalar ones typed under [].
        (
            [#"{"items":[{"sku":"a","qty":1},{"sku":"b"}],"tags":["x","y"]}"#, #"{"items":[],"tags":[]}"#],
            ["items array", "items[].sku string", "items[].qty number?", "tags array", "tags[] string"]
        ),
        ([#"{"grid":[[1,2],[3]]}"#], ["grid array", "grid[] array", "grid[][] number"]),
        ([#"{"xs":[1,null,"a"]}"#], ["xs array", "xs[] mixed?"]),
        // A missing parent makes its members nullable only relative to the objects seen there.
        ([#"{"p":{"q":1}}"#, #"{"r":2}"#], ["p.q number", "r number?"]),
    ] as [([String], [String])])
    func fieldsTypesAndNullability(records: [String], expected: [String]) throws {
        #expect(try summary(records) == expected)
    }

    @Test func mixedFieldsListTheirTypesAndTheSampleIsCounted() throws {
        let schema = try infer([#"{"v":1}"#, #"{"v":"x"}"#, #"{"v":{"w":1}}"#])
        #expect(schema.sampleCount == 3)
        #expect(schema.fields.first == RecordSchema.Field(name: "v", types: ["number", "object", "string"], nullable: false))
        #expect(!schema.truncated)
        #expect(try infer([]).fields.isEmpty)
    }

    @Test func aMapKeyedByIDsStopsAtTheFieldLimit() throws {
        let members = (0..<(RecordSchemaBuilder.maximumFields + 50)).map { "\"k\($0)\":{\"x\":\($0)}" }.joined(separator: ",")
        let schema = try infer(["{\"first\":1,\(members)}", #"{"first":2}"#])
        #expect(schema.truncated)
        #expect(schema.fields.first?.name == "first")
        #expect(schema.fields.count <= RecordSchemaBuilder.maximumFields)
    }
}
