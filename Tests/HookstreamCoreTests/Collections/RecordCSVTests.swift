import HookstreamCore
import JSONValue
import Testing

@Suite struct RecordCSVTests {
    private func cells(_ text: String) throws -> [String] {
        try RecordCSV.cells(of: JSON(parsing: text)).map { "\($0.column)=\($0.cell)" }
    }

    @Test(arguments: [
        // Objects flatten to dot paths; scalars are their text, null empty.
        (#"{"type":"t","data":{"id":"o1","amount":4999,"paid":true,"note":null}}"#, ["type=t", "data.id=o1", "data.amount=4999", "data.paid=true", "data.note="]),
        // Arrays and empty objects are one cell of JSON text.
        (#"{"tags":["a","b"],"items":[{"x":1}],"meta":{}}"#, [#"tags=["a","b"]"#, #"items=[{"x":1}]"#, "meta={}"]),
        (#"{"n":1.5,"e":1e21,"s":"with \"quotes\""}"#, ["n=1.5", "e=1e+21", #"s=with "quotes""#]),
        // A data member named like the key column keeps its body path.
        (#"{"primary_key":"p","a":{"primary_key":"q"}}"#, ["body.primary_key=p", "a.primary_key=q"]),
        ("[1,2]", ["body=[1,2]"]),
    ] as [(String, [String])])
    func recordsFlattenToDotColumns(data: String, expected: [String]) throws {
        #expect(try cells(data) == expected)
    }

    @Test(arguments: [
        (["a", "b"], "a,b\r\n"),
        (["a,b", "say \"hi\"", "two\nlines", "cr\rhere", ""], "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\",\r\n"),
        ([" spaced ", "ünïcode"], " spaced ,ünïcode\r\n"),
    ] as [([String], String)])
    func linesAreQuotedAsRFC4180Says(fields: [String], expected: String) {
        #expect(RecordCSV.line(fields) == expected)
    }

    @Test func theHeaderIsTheUnionOfColumnsInFirstMetOrder() throws {
        var columns = RecordCSVColumns()
        let first = try JSON(parsing: #"{"a":1,"b":{"c":2}}"#)
        let second = try JSON(parsing: #"{"d":"x","a":3}"#)
        let accepted = [columns.add(first), columns.add(second)]
        #expect(accepted == [true, true])
        #expect(columns.header == "primary_key,a,b.c,d\r\n")
        #expect(columns.line(key: "k1", data: first) == "k1,1,2,\r\n")
        #expect(columns.line(key: "k,2", data: second) == "\"k,2\",3,,x\r\n")
    }

    @Test func tooManyColumnsAreRefused() throws {
        var columns = RecordCSVColumns()
        let wide = JSON.object(JSONObject(uniqueKeysWithValues: (0...RecordCSVColumns.maximum).map { ("k\($0)", JSON.number(1)) }))
        let accepted = columns.add(wide)
        #expect(!accepted)
    }
}
