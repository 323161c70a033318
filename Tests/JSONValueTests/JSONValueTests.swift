import JSONValue
import Testing

@Suite struct JSONValueTests {
    @Test func parsesAndKeepsMemberOrder() throws {
        let value = try JSON(parsing: #"{"b": 1, "a": [true, null, "x\n\u00e9\ud83d\ude00"], "c": {"d": -1.5e3}}"#)
        #expect(value.objectValue?.keys.elements == ["b", "a", "c"])
        #expect(value["a"]?[2] == "x\né😀")
        #expect(value["c"]?["d"] == -1500)
        #expect(value.serialized() == #"{"b":1,"a":[true,null,"x\né😀"],"c":{"d":-1500}}"#)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "tru", "\"\u{01}\"", "[1] x", "\"\\x\""])
    func rejectsInvalidText(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSON(parsing: text) }
    }

    @Test func refusesHostileNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSON(parsing: deep) }
    }

    @Test func objectEqualityIgnoresOrder() throws {
        #expect(try JSON(parsing: #"{"a":1,"b":2}"#) == JSON(parsing: #"{"b":2,"a":1}"#))
        let ab: JSON = ["a": 1, "b": 2]
        let ba: JSON = ["b": 2, "a": 1]
        #expect(Set([ab, ba]).count == 1)
    }

    @Test(arguments: [
        (0.0, "0"), (-0.0, "0"), (100, "100"), (1.5, "1.5"), (0.1 + 0.2, "0.30000000000000004"),
        (1e21, "1e+21"), (1e20, "100000000000000000000"), (1.5e-7, "1.5e-7"), (0.000001, "0.000001"),
        (123456789012345680000, "123456789012345680000"), (-2.5e-10, "-2.5e-10"), (9007199254740993, "9007199254740992"),
    ])
    func formatsNumbersLikeJavaScript(_ value: Double, _ expected: String) {
        #expect(JSNumberFormat.string(value) == expected)
    }

    @Test func prettyPrintsLikeJavaScript() throws {
        let value = try JSON(parsing: #"{"a":[1,{}],"b":[]}"#)
        #expect(value.serialized(options: .prettyPrinted) == "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": []\n}")
    }
}
